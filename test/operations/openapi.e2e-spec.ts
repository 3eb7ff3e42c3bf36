import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { routeInventory } from '../support/route-inventory.js';
import { nextPhone } from '../support/sms-test-app.js';
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

/**
 * Where a live value departs from its documented schema: a missing required
 * member, a member the schema does not list, a wrong type or enum value.
 */
function mismatches(value: unknown, schema: any, doc: Document, at = '$'): string[] {
  if (schema.$ref) return mismatches(value, doc.components.schemas[schema.$ref.split('/').pop()], doc, at);
  if (schema.oneOf) {
    const name = schema.discriminator ? schema.discriminator.mapping[(value as Record<string, string>)[schema.discriminator.propertyName]!] : undefined;
    if (name) return mismatches(value, { $ref: name }, doc, at);
    return schema.oneOf.some((s: unknown) => mismatches(value, s, doc, at).length === 0) ? [] : [`${at}: matches no variant`];
  }
  if (value === null) return schema.nullable ? [] : [`${at}: null`];
  if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} not in ${schema.enum.join(', ')}`];
  const type = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  const expected = schema.type ?? (schema.properties ? 'object' : undefined);
  if (expected && !(expected === type || (expected === 'number' && type === 'integer'))) return [`${at}: ${type}, documented ${expected}`];
  if (type === 'array') return (value as unknown[]).flatMap((v, i) => mismatches(v, schema.items ?? {}, doc, `${at}[${i}]`));
  if (type !== 'object' || !schema.properties) return [];
  const object = value as Record<string, unknown>;
  return [
    ...(schema.required ?? []).filter((k: string) => !(k in object)).map((k: string) => `${at}.${k}: missing`),
    ...Object.entries(object).flatMap(([k, v]) =>
      schema.properties[k] ? mismatches(v, schema.properties[k], doc, `${at}.${k}`) : schema.additionalProperties ? [] : [`${at}.${k}: undocumented`],
    ),
  ];
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

  it('describes every response, with a schema and a valid example for each that has a body', () => {
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
          // Each example is itself a valid instance of the schema.
          const examples = m.example !== undefined ? [m.example] : Object.values((m.examples ?? {}) as Record<string, { value: unknown }>).map((e) => e.value);
          if (m.schema) for (const example of examples) missing.push(...mismatches(example, m.schema, doc).map((x) => `${where}: example ${x}`));
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

  it('live responses match the documented schemas, along a whole SMS login', async () => {
    const checked: string[] = [];
    const problems: string[] = [];
    const check = async (method: string, path: string, res: { status: number; body: unknown }) => {
      const route = path.split('?')[0]!;
      const template = Object.keys(doc.paths).find((p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(route) && doc.paths[p]![method]);
      const response = template && doc.paths[template]![method]!.responses[String(res.status)];
      if (!response) return problems.push(`${method} ${path} ${res.status}: not documented`);
      const media = response.content?.['application/json'] ?? response.content?.['application/problem+json'];
      if (media) problems.push(...mismatches(res.body, media.schema, doc).map((m) => `${method} ${template} ${res.status} ${m}`));
      checked.push(`${method} ${template} ${res.status}`);
      return res;
    };
    const call = async (method: string, path: string, body?: unknown, token?: string) => {
      const res = await t.request(method, path, { body, token });
      await check(method.toLowerCase(), path, res);
      return res;
    };
    const email = 'openapi-conformance@example.com';
    const password = 'correct horse battery';
    const phone = nextPhone();
    await call('POST', '/auth/register', { email, password });
    const first = await call('POST', '/auth/login', { email, password });
    const token = first.body.accessToken;
    const enrol = await call('POST', '/me/mfa/factors/sms', { phone }, token);
    const outbox = await call('GET', `/dev/sms?to=${encodeURIComponent(phone)}`);
    await call('POST', `/me/mfa/factors/${enrol.body.factorId}/activate`, { challengeId: enrol.body.challengeId, code: outbox.body.items[0].code }, token);
    await call('GET', '/me/mfa/factors', undefined, token);
    const login = await call('POST', '/auth/login', { email, password });
    expect(login.body.status).toBe('mfa_required');
    const challenge = await call('POST', '/auth/mfa/challenges', { factorId: login.body.factors[0].id }, login.body.mfaToken);
    await call('POST', '/auth/mfa/verify', { challengeId: challenge.body.challengeId, code: '000000' }, login.body.mfaToken);
    const code = (await call('GET', `/dev/sms?to=${encodeURIComponent(phone)}`)).body.items[0].code;
    const verified = await call('POST', '/auth/mfa/verify', { challengeId: challenge.body.challengeId, code }, login.body.mfaToken);
    const aal2 = verified.body.accessToken;
    await call('GET', '/auth/me', undefined, aal2);
    await call('POST', '/auth/step-up', undefined, aal2);
    await call('POST', '/me/mfa/recovery-codes', undefined, aal2);
    await call('POST', '/me/mfa/factors/totp', {}, aal2);
    await call('POST', '/me/mfa/factors/webauthn/options', undefined, aal2);
    await call('GET', '/.well-known/jwks.json');
    await call('GET', '/health/live');
    await call('GET', '/health/ready');
    await call('POST', '/auth/refresh', { refreshToken: verified.body.refreshToken });
    await call('POST', '/auth/login', { email, password: 'wrong password' });
    await call('GET', '/auth/me');
    await call('POST', '/auth/register', { email: 42 });
    await call('POST', '/auth/logout', undefined, aal2);
    expect(problems).toEqual([]);
    expect(checked).toEqual(
      expect.arrayContaining(['post /auth/login 200', 'post /auth/mfa/challenges 201', 'post /auth/mfa/verify 401', 'post /auth/mfa/verify 200', 'get /auth/me 401', 'post /auth/register 400']),
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
    // Two TypeScript programs are compiled: on a busy machine that alone can take longer than the default 30 s.
  }, 120_000);
});
