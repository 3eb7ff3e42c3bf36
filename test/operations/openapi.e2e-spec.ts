import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { routeInventory } from '../support/route-inventory.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, any>; securitySchemes: Record<string, unknown> };
};
type Operation = { operationId: string; security?: Array<Record<string, string[]>>; responses: Record<string, Response> };
type Response = { description?: string; content?: Record<string, { schema?: unknown; example?: unknown; examples?: unknown }> };

/** @apidevtools/swagger-parser and openapi-typescript, run as a client developer would (test/support/openapi-tools.mjs). */
async function openapiTool(command: 'validate' | 'typescript', doc: unknown, dir: string): Promise<string> {
  const input = join(dir, 'openapi.json');
  const output = join(dir, 'api.ts');
  await writeFile(input, JSON.stringify(doc));
  await promisify(execFile)(process.execPath, [join(__dirname, '../support/openapi-tools.mjs'), command, input, output]);
  return output;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** `/me/mfa/factors/:id/activate` → `/me/mfa/factors/{id}/activate` */
const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function operations(doc: Document): Array<{ method: string; path: string; operation: Operation }> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ method, path, operation: item[method]! })),
  );
}

/** Every code a module's exception table declares, read from the source files themselves. */
async function declaredCodes(): Promise<string[]> {
  const root = join(__dirname, '../../src');
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.exception.ts'));
  const codes = new Set<string>();
  for (const file of files) {
    const text = await readFile(join(root, file), 'utf8');
    for (const m of text.matchAll(/^\s+([A-Z][A-Z0-9_]+): \{ status: \d{3}/gm)) codes.add(m[1]!);
  }
  return [...codes];
}

/** Type-checks a small client against the types openapi-typescript generated; returns the compiler's complaints. */
async function typeCheckClient(doc: unknown, dir: string): Promise<string[]> {
  await openapiTool('typescript', doc, dir);
  await writeFile(
    join(dir, 'client.ts'),
    `import type { paths } from './api';
type Typed<T> = [T] extends [never] ? false : unknown extends T ? false : true;
type Login = paths['/auth/login']['post']['responses'][200]['content']['application/json'];
type Challenge = paths['/auth/mfa/challenges']['post']['responses'][201]['content']['application/json'];
type Verify = paths['/auth/mfa/verify']['post']['responses'][200]['content']['application/json'];
export const typed: [Typed<Login>, Typed<Challenge>, Typed<Verify>] = [true, true, true];
export function next(login: Login): string {
  switch (login.status) {
    case 'authenticated': return login.accessToken + login.refreshToken + login.expiresIn.toFixed();
    case 'mfa_required': return login.mfaToken + login.factors.map((f) => f.id + f.type + f.label).join();
    case 'mfa_enrollment_required': return login.mfaToken + login.allowedFactors.join();
  }
}
export function shown(challenge: Challenge): string {
  return challenge.type === 'sms' ? challenge.destination + challenge.attemptsRemaining.toFixed() : challenge.challengeId + challenge.expiresAt;
}
export const token = (verify: Verify): string => verify.accessToken + verify.tokenType;
`,
  );
  const program = ts.createProgram([join(dir, 'client.ts')], { strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('the OpenAPI document at /docs-json', () => {
  let t: TestApp;
  let dataDir: string;
  let doc: Document;
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'sesame-openapi-tools-'));
    // Development, so the development-only route is served and must be documented too.
    dataDir = await mkdtemp(join(tmpdir(), 'sesame-openapi-'));
    t = await startTestApp({ env: { NODE_ENV: 'development', DATA_DIR: dataDir } });
    const res = await t.get('/docs-json');
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(async () => {
    await t.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  it('is a valid OpenAPI document', async () => {
    await expect(openapiTool('validate', doc, scratch)).resolves.toBeDefined();
    // The validator does refuse a broken document.
    const broken = structuredClone(doc);
    broken.paths['/auth/login']!.post!.responses['200']!.content!['application/json']!.schema = { $ref: '#/components/schemas/Nowhere' };
    await expect(openapiTool('validate', broken, scratch)).rejects.toThrow(/Nowhere/);
  });

  it('documents every route the application serves, and nothing else', () => {
    const served = routeInventory(t.app).map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`);
    const documented = operations(doc).map((o) => `${o.method} ${o.path}`);
    expect(served).toEqual(expect.arrayContaining(['get /.well-known/jwks.json', 'post /webhooks/vonage/delivery-receipt', 'get /dev/sms']));
    expect([...documented].sort()).toEqual([...served].sort());
  });

  it('states each route’s security from its access statement', () => {
    const byRoute = new Map(routeInventory(t.app).map((r) => [`${r.method.toLowerCase()} ${openApiPath(r.path)}`, r.requirement]));
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['accessToken', 'metricsToken', 'mfaToken']);
    for (const { method, path, operation } of operations(doc)) {
      const requirement = byRoute.get(`${method} ${path}`)!;
      const schemes = (operation.security ?? []).flatMap((s) => Object.keys(s));
      const expected =
        requirement.kind === 'public'
          ? path === '/metrics' ? ['metricsToken'] : []
          : requirement.kind === 'mfa'
            ? ['mfaToken']
            : requirement.mfaPurposes.length > 0 ? ['accessToken', 'mfaToken'] : ['accessToken'];
      expect({ route: `${method} ${path}`, schemes }).toEqual({ route: `${method} ${path}`, schemes: expected });
    }
    expect(doc.paths['/auth/login']!.post!.security).toEqual([]);
    expect(doc.paths['/auth/mfa/verify']!.post!.security).toEqual([{ mfaToken: [] }]);
    expect(doc.paths['/auth/me']!.get!.security).toEqual([{ accessToken: [] }]);
  });

  it('describes every response, with a schema and an example for each that has a body', () => {
    const missing: string[] = [];
    for (const { method, path, operation } of operations(doc)) {
      const statuses = Object.keys(operation.responses);
      if (!statuses.some((s) => s.startsWith('2'))) missing.push(`${method} ${path}: no success response`);
      for (const [status, response] of Object.entries(operation.responses)) {
        const where = `${method} ${path} ${status}`;
        if (!response.description) missing.push(`${where}: description`);
        if (status === '204') continue;
        const media = Object.values(response.content ?? {});
        if (media.length === 0) missing.push(`${where}: content`);
        for (const m of media) {
          if (!m.schema) missing.push(`${where}: schema`);
          if (m.example === undefined && m.examples === undefined) missing.push(`${where}: example`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('errors are problem+json with a code enum that holds every declared code', async () => {
    const problem = doc.components.schemas.Problem;
    const declared = await declaredCodes();
    expect(declared).toEqual(expect.arrayContaining(['MFA_INVALID_CODE', 'INVALID_CREDENTIALS', 'VALIDATION_FAILED', 'METHOD_NOT_ALLOWED']));
    expect(problem.properties.code.enum).toEqual(expect.arrayContaining([...declared, 'UNAVAILABLE']));
    const verify = doc.paths['/auth/mfa/verify']!.post!.responses;
    expect(Object.keys(verify)).toEqual(expect.arrayContaining(['200', '400', '401', '410', '429']));
    expect(verify['401']!.content!['application/problem+json']!.schema).toEqual({ $ref: '#/components/schemas/Problem' });
    expect(Object.keys(verify['401']!.content!['application/problem+json']!.examples as object)).toEqual(
      expect.arrayContaining(['MFA_INVALID_CODE', 'MFA_TOKEN_INVALID']),
    );
  });

  it('openapi-typescript generates typed responses for login, challenge and verify', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sesame-openapi-ts-'));
    try {
      expect(await typeCheckClient(structuredClone(doc), dir)).toEqual([]);
      // The same client against a document without the response schemas does not compile: the check has teeth.
      const bare = structuredClone(doc);
      for (const path of ['/auth/login', '/auth/mfa/challenges', '/auth/mfa/verify']) {
        for (const response of Object.values(bare.paths[path]!.post!.responses)) delete response.content;
      }
      expect((await typeCheckClient(bare, dir)).length).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
