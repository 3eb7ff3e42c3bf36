/**
 * Migration commands:
 *   migrate run            apply pending migrations
 *   migrate revert         undo the last one
 *   migrate generate Name  write migrations/<timestamp>-<Name>.ts from the
 *                          difference between the entities and the schema
 * Uses DATABASE_URL, or the development embedded database.
 */
import 'reflect-metadata';
import { readFile, writeFile } from 'node:fs/promises';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app-config.js';
import { loadDotEnv } from '../src/config/dotenv.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { resolveDatabase } from '../src/database/database-url.js';
import { runMigrations } from '../src/database/run-migrations.js';
import { checkDatabase, runCli } from './cli.js';

async function main(): Promise<number> {
  const [command, name] = process.argv.slice(2);
  if (!(
    command === 'run' ||
    command === 'revert' ||
    (command === 'generate' && name && /^[A-Z][A-Za-z0-9]*$/.test(name))
  )) {
    console.error('usage: migrate run | revert | generate PascalCaseName');
    return 2;
  }
  loadDotEnv();
  const config = loadConfig();
  const db = await resolveDatabase(config, (m) => console.log(m));
  try {
    await checkDatabase(db.url, db.embedded);
    const dataSource = new DataSource(dataSourceOptions(db.url, { poolSize: 2 }));
    await dataSource.initialize();
    try {
      // The same advisory lock as the server's start, so a script never migrates alongside a starting instance.
      const log = (m: string) => console.log(m);
      if (command === 'run') {
        const ran = await runMigrations(dataSource, { log });
        console.log(ran.length ? ran.map((m) => `applied ${m.name}`).join('\n') : 'schema is up to date');
      } else if (command === 'revert') {
        await runMigrations(dataSource, { log, command: 'revert' });
        console.log('reverted the last migration');
      } else {
        await runMigrations(dataSource, { log });
        const file = await generate(dataSource, name!);
        console.log(file ? `wrote ${file}` : 'no changes: entities and schema agree');
      }
      return 0;
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await db.stop();
  }
}

async function generate(dataSource: DataSource, name: string): Promise<string | null> {
  const { upQueries, downQueries } = await dataSource.driver.createSchemaBuilder().log();
  if (upQueries.length === 0) return null;
  const timestamp = Date.now();
  const className = `${name}${timestamp}`;
  const sql = (q: { query: string; parameters?: unknown[] }) =>
    `    await queryRunner.query(\`${q.query
      .replace(/[`\\]|\$(?=\{)/g, '\\$&')
      .replace(/\s+/g, ' ')
      .trim()}\`${q.parameters?.length ? `, ${JSON.stringify(q.parameters)}` : ''});`;
  const source = `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(queryRunner: QueryRunner): Promise<void> {
${upQueries.map(sql).join('\n')}
  }

  async down(queryRunner: QueryRunner): Promise<void> {
${[...downQueries].reverse().map(sql).join('\n')}
  }
}
`;
  const file = `migrations/${timestamp}-${name}.ts`;
  await writeFile(file, source);
  const index = await readFile('migrations/index.ts', 'utf8');
  const importLine = `import { ${className} } from './${timestamp}-${name}.js';\n`;
  const lastImport = index.lastIndexOf('\nimport ');
  const insertAt =
    lastImport === -1
      ? index.startsWith('import ')
        ? index.indexOf('\n') + 1
        : 0
      : index.indexOf('\n', lastImport + 1) + 1;
  const withImport = index.slice(0, insertAt) + importLine + index.slice(insertAt);
  await writeFile(
    'migrations/index.ts',
    withImport.replace(/export const MIGRATIONS: Function\[\] = \[([^\]]*)\];/, (_m, list: string) => {
      const items = list
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      return `export const MIGRATIONS: Function[] = [${[...items, className].join(', ')}];`;
    }),
  );
  return file;
}

runCli(main);
