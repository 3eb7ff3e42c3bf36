// Runs the OpenAPI tools a client developer would, as native ES modules (outside Jest's module registry):
//   node openapi-tools.mjs validate <document.json>          → exits non-zero with the reason when invalid
//   node openapi-tools.mjs typescript <document.json> <out.ts> → the types openapi-typescript generates
import { readFile, writeFile } from 'node:fs/promises';
import SwaggerParser from '@apidevtools/swagger-parser';
import openapiTS, { astToString } from 'openapi-typescript';

const [command, input, output] = process.argv.slice(2);
const document = JSON.parse(await readFile(input, 'utf8'));
if (command === 'validate') {
  await SwaggerParser.validate(document);
} else if (command === 'typescript') {
  await writeFile(output, astToString(await openapiTS(document)));
} else {
  throw new Error(`unknown command ${command}`);
}
