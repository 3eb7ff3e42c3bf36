import fc from 'fast-check';
import type { JsonSchema, Operation, TokenKind } from './operations.js';
import {
  addAt,
  boundaryString,
  controlString,
  fromPlain,
  hostileValue,
  injectionString,
  nulString,
  Obj,
  objectPathsOf,
  overlongNumber,
  pathsOf,
  setAt,
  surrogateString,
  Sym,
  unicodeString,
  wrongType,
  type Value,
} from './values.js';

/** A parameter value: text to be percent-encoded, or bytes already encoded as the fuzzer wants them on the wire. */
export type ParamValue = { text: Value } | { raw: string };

export type BodyPlan =
  | { kind: 'none' }
  | { kind: 'json'; value: Value }
  | { kind: 'raw'; text: string; contentType: string | null };

export type AuthPlan =
  | { kind: 'token'; token: TokenKind }
  /** One of the bad tokens (malformed, badly signed, expired, forged ids). */
  | { kind: 'bad'; n: number }
  /** An Authorization header that is not `Bearer <token>`, around a real token. */
  | { kind: 'scheme'; n: number; token: TokenKind };

export interface HeaderPlan {
  /** An index into the pool of client addresses, a malformed X-Forwarded-For, or none (the loopback address). */
  forwardedFor: number | string | null;
  acceptLanguage: string | null;
  userAgent: string | null;
}

/** One request to send, generated from the seed alone. */
export interface FuzzCase {
  op: number;
  /** What was done to the valid request ("valid", "body.surrogate", "auth.bad+query.value", …). */
  mutation: string;
  auth: AuthPlan;
  path: ParamValue[];
  query: Array<[string, ParamValue]>;
  body: BodyPlan;
  /** Receipts only: sign the body after mutating it (so it reaches validation), leave it unsigned, or sign it wrongly. */
  signature: 'valid' | 'none' | 'wrong';
  headers: HeaderPlan;
}

type Plan = Omit<FuzzCase, 'op' | 'mutation'>;
type Mutation = (op: Operation, plan: Plan) => fc.Arbitrary<Plan>;

/** Every request the fuzzer sends comes from this arbitrary: pick an operation, build a valid request, mutate it. */
export function fuzzCase(ops: Operation[]): fc.Arbitrary<FuzzCase> {
  // Built once: constructing arbitraries per case would cost more than sending the request.
  const plans = ops.map(validPlan);
  const mutationIndex: fc.Arbitrary<readonly number[]> = fc.oneof(...MUTATIONS.map(([, weight], i) => ({ weight, arbitrary: fc.constant([i]) })), {
    weight: 6,
    arbitrary: fc.tuple(fc.integer({ min: 1, max: MUTATIONS.length - 1 }), fc.integer({ min: 1, max: MUTATIONS.length - 1 })).map(([a, b]) => [a, b]),
  });
  const opIndex = fc.oneof(...ops.map((op, i) => ({ weight: op.weight, arbitrary: fc.constant(i) })));
  return fc.tuple(opIndex, mutationIndex).chain(([index, chosen]) => {
    const op = ops[index];
    const label = chosen.map((i) => MUTATIONS[i][0]).join('+');
    const mutated = chosen.reduce<fc.Arbitrary<Plan>>((arb, i) => arb.chain((plan) => MUTATIONS[i][2](op, plan)), plans[index]);
    return mutated.map((plan) => ({ op: index, mutation: label, ...plan }));
  });
}

// ---------------------------------------------------------------------------
// Valid requests, from the schema and what the DTOs say about each field

const MOBILES = ['+447400123456', '+33612345678', '+4915123456789', '+14155552671', '+61412345678'];

function validPlan(op: Operation): fc.Arbitrary<Plan> {
  return fc.record({
    auth: fc.constant<AuthPlan>({ kind: 'token', token: op.tokens[0] }),
    path: fc.tuple(...op.pathParams.map((name) => validPathParam(op, name))),
    query: validQuery(op),
    body: op.body ? validBody(op, op.body).map((value): BodyPlan => ({ kind: 'json', value })) : fc.constant<BodyPlan>({ kind: 'none' }),
    signature: fc.constant<'valid'>('valid'),
    headers: fc.record({
      forwardedFor: fc.nat({ max: 63 }) as fc.Arbitrary<number | string | null>,
      acceptLanguage: fc.constantFrom(null, null, 'en', 'fr-FR,fr;q=0.9', 'de', 'es-ES'),
      userAgent: fc.constantFrom(null, 'sesame-fuzz/1'),
    }),
  });
}

function validPathParam(op: Operation, name: string): fc.Arbitrary<ParamValue> {
  // Ids the server handed out reach the routes' deeper checks; a random UUID is a well-formed unknown id.
  const known = op.path.startsWith('/admin/users/:id') && name === 'id' ? 'userId' : 'knownId';
  return fc.oneof(
    { weight: 3, arbitrary: fc.nat().map((n): ParamValue => ({ text: new Sym(known, n) })) },
    { weight: 1, arbitrary: fc.uuid().map((id): ParamValue => ({ text: id })) },
  );
}

function validQuery(op: Operation): fc.Arbitrary<Array<[string, ParamValue]>> {
  return fc
    .tuple(
      ...op.query.map((param) =>
        optionalUnless(param.required, queryValue(param.name, param.schema).map((v): [string, ParamValue] => [param.name, v])),
      ),
    )
    .map((entries) => entries.filter((e): e is [string, ParamValue] => e !== null));
}

/** A required member is always there; an optional one two times in three. */
function optionalUnless<T>(required: boolean, arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> {
  return required ? arbitrary : fc.option(arbitrary, { freq: 3, nil: null });
}

function queryValue(name: string, schema: JsonSchema): fc.Arbitrary<ParamValue> {
  const text = (arb: fc.Arbitrary<Value>) => arb.map((v): ParamValue => ({ text: v }));
  switch (name) {
    case 'email':
      return text(fc.constantFrom('fuzz', 'example', '@fuzz.example', 'a', 'FUZZ-USER'));
    case 'cursor':
      return text(fc.nat().map((n) => new Sym('cursor', n)));
    case 'userId':
      return text(fc.nat().map((n) => new Sym('userId', n)));
    case 'type':
      return text(fc.constantFrom('mfa.code.failed', 'user.registered', 'login.succeeded', 'admin.user.unlocked'));
    case 'from':
      return text(fc.constantFrom('2025-01-01', '2024-06-30T12:00:00Z', '2025-01-01T00:00:00+02:00'));
    case 'to':
      return text(fc.constantFrom('2099-01-01', '2030-02-01T00:00:00Z'));
  }
  if (schema.type === 'number' || schema.type === 'integer') {
    return text(fc.integer({ min: schema.minimum ?? 0, max: schema.maximum ?? 1000 }).map(String));
  }
  return text(fc.constant(typeof schema.example === 'string' ? schema.example : 'x'));
}

function validBody(op: Operation, schema: JsonSchema): fc.Arbitrary<Value> {
  // A schema with an example and no properties (the policy document) is fuzzed from its example.
  if (!schema.properties) return fc.constant(fromPlain(schema.example ?? {}));
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties).map(([name, field]) =>
    optionalUnless(required.has(name), fieldValue(op, name, field).map((v): [string, Value] => [name, v])),
  );
  return fc.tuple(...fields).map((entries) => new Obj(entries.filter((e): e is [string, Value] => e !== null)));
}

const arbs = {
  freshEmail: fc.nat().map((n) => new Sym('freshEmail', n)),
  loginEmail: fc.oneof({ weight: 3, arbitrary: fc.constant(new Sym('userEmail', 0)) }, { weight: 1, arbitrary: fc.nat().map((n) => new Sym('freshEmail', n)) }),
  password: fc.oneof({ weight: 3, arbitrary: fc.constant('correct horse battery') }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 8, maxLength: 40 }) }),
  phone: fc.constantFrom(...MOBILES),
  code: fc.oneof(fc.stringMatching(/^\d{6}$/), fc.stringMatching(/^\d{8}$/), fc.stringMatching(/^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/)),
  knownId: fc.oneof({ weight: 3, arbitrary: fc.nat().map((n) => new Sym('knownId', n)) }, { weight: 1, arbitrary: fc.uuid() }),
  refreshToken: fc.oneof({ weight: 3, arbitrary: fc.nat().map((n) => new Sym('refreshToken', n)) }, { weight: 1, arbitrary: fc.base64String({ minLength: 40, maxLength: 44 }) }),
  label: fc.oneof(fc.constantFrom('Phone', 'Work laptop', 'YubiKey 5'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => /^\P{Cc}+$/u.test(s))),
  now: fc.constant(new Sym('now', 0)),
  uuid: fc.uuid(),
  messageId: fc.stringMatching(/^[0-9A-F]{16}$/),
  msisdn: fc.constantFrom(...MOBILES.map((m) => m.slice(1))),
};

/** A valid value for a field, by what the DTOs and api.md say it holds. */
function fieldValue(op: Operation, name: string, schema: JsonSchema): fc.Arbitrary<Value> {
  const route = `${op.method} ${op.path}`;
  switch (name) {
    case 'email':
      return route === 'POST /auth/register' ? arbs.freshEmail : arbs.loginEmail;
    case 'password':
      return arbs.password;
    case 'phone':
      return arbs.phone;
    case 'code':
      return arbs.code;
    case 'challengeId':
    case 'factorId':
      return arbs.knownId;
    case 'refreshToken':
      return arbs.refreshToken;
    case 'label':
      return arbs.label;
    case 'credential':
      return webauthnCredential;
    case 'timestamp':
      return arbs.now;
    case 'nonce':
      return arbs.uuid;
    case 'messageId':
      return arbs.messageId;
    case 'msisdn':
    case 'to':
      return arbs.msisdn;
  }
  if (schema.enum) return fc.constantFrom(...(schema.enum as Value[]));
  if (schema.type === 'number' || schema.type === 'integer') return fc.integer({ min: schema.minimum ?? 0, max: schema.maximum ?? 1000 });
  if (schema.type === 'boolean') return fc.boolean();
  if (schema.type === 'object') return fc.constant(new Obj([]));
  return fc.string({ unit: 'grapheme-ascii', minLength: schema.minLength ?? 1, maxLength: Math.min(schema.maxLength ?? 32, 32) });
}

const b64url = fc.base64String({ minLength: 8, maxLength: 96 }).map((s) => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
/** The JSON shape of a WebAuthn response: right structure, meaningless bytes. */
const webauthnCredential: fc.Arbitrary<Value> = fc
  .record({ id: b64url, clientDataJSON: b64url, attestationObject: b64url, authenticatorData: b64url, signature: b64url })
  .map(
    (r) =>
      new Obj([
        ['id', r.id],
        ['rawId', r.id],
        ['type', 'public-key'],
        ['response', new Obj([['clientDataJSON', r.clientDataJSON], ['attestationObject', r.attestationObject], ['authenticatorData', r.authenticatorData], ['signature', r.signature]])],
        ['clientExtensionResults', new Obj([])],
        ['authenticatorAttachment', 'cross-platform'],
      ]),
  );

// ---------------------------------------------------------------------------
// Mutations

/** A body to mutate: a route without one gets an object, so body mutations still say something. */
function bodyOf(plan: Plan): Value {
  return plan.body.kind === 'json' ? plan.body.value : new Obj([['x', 'y']]);
}

const atSomePath = (replacement: (schema: JsonSchema | undefined) => fc.Arbitrary<Value | undefined>, { withRoot = false } = {}): Mutation => (op, plan) => {
  const body = bodyOf(plan);
  const paths = pathsOf(body).filter((p) => withRoot || p.length > 0);
  if (paths.length === 0) return fc.constant(plan);
  return fc.constantFrom(...paths).chain((path) =>
    replacement(typeof path[0] === 'string' && path.length === 1 ? op.body?.properties?.[path[0]] : undefined).map((value) => ({
      ...plan,
      body: { kind: 'json' as const, value: setAt(body, path, value) },
    })),
  );
};

const EXTRA_KEYS = ['isAdmin', 'roles', 'aal', 'userId', 'id', '__proto__', 'constructor', 'prototype', '', ' email', 'EMAIL', 'email\u0000', 'x\ud800', 'a'.repeat(300), '$where', 'toString'];

const RAW_BODIES: Array<[string, string | null]> = [
  ['{"email": "a@b.c", "password": ', 'application/json'],
  ['{', 'application/json'],
  ['}', 'application/json'],
  ['[]', 'application/json'],
  ['[1,2,3]', 'application/json'],
  ['null', 'application/json'],
  ['true', 'application/json'],
  ['12345', 'application/json'],
  ['"a string"', 'application/json'],
  ['', 'application/json'],
  ['{}', 'application/json'],
  ['\ufeff{}', 'application/json'],
  ["{'single': 'quotes'}", 'application/json'],
  ['{"a": 1,}', 'application/json'],
  ['{"a": NaN}', 'application/json'],
  ['{"a": Infinity}', 'application/json'],
  ['{"a": undefined}', 'application/json'],
  ['{"a": "\\u00"}', 'application/json'],
  ['{"a": "\\ud800"}', 'application/json'],
  ['{"a": "\\u0000"}', 'application/json'],
  ['{"a": 1e999999}', 'application/json'],
  ['{"email": "a@example.com", "email": {"$ne": null}}', 'application/json'],
  ['{"a":' .repeat(12) + '1' + '}'.repeat(12), 'application/json'],
  ['[' .repeat(3000) + ']'.repeat(3000), 'application/json'],
  ['{"a":'.repeat(3000) + '1' + '}'.repeat(3000), 'application/json'],
  [`{"a": "${'x'.repeat(70_000)}"}`, 'application/json'],
  ['{}', 'application/json; charset=utf-16'],
  ['{}', 'application/json; charset=latin1'],
  ['{}', 'application/json; charset=ebcdic'],
  ['{}', 'application/merge-patch+json'],
  ['{}', 'application/vnd.api+json'],
  ['{}', 'text/plain'],
  ['email=a%40example.com&password=x', 'application/x-www-form-urlencoded'],
  ['--b\r\nContent-Disposition: form-data; name="email"\r\n\r\na@example.com\r\n--b--', 'multipart/form-data; boundary=b'],
  ['<email>a@example.com</email>', 'application/xml'],
  ['{}', null],
  ['{}', ''],
  ['{}', 'application/json, text/plain'],
];

const PATH_IDS: string[] = [
  'x', '1', '0', '-1', 'null', 'undefined', 'true', '%00', 'a%00b', '%ED%A0%80', '%C0%80', '%FF', '%E0%A4%A', '%2F', '%2e%2e', '..', '%20',
  '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF',
  '00000000000000000000000000000000', '{00000000-0000-0000-0000-000000000000}', '00000000-0000-0000-0000-000000000000x',
  '------------------------------------', '0000-0000-0000-0000-0000-0000-0000-0000', "1'%20OR%20'1'='1", '%F0%9F%98%80', 'a'.repeat(300), '9'.repeat(40),
];

const QUERY_RAW: string[] = ['%', '%zz', '%E0%A4%A', '%ED%A0%80', '%00', 'a%00b', '%C0%80', '%FF%FE', '+', '%2B', '&', '=', '%26%3D', '%0D%0A', '[]', '%5B%5D'];

const BAD_FORWARDED_FOR = ['999.1.1.1', '<script>', '::ffff:1.2.3.4', ' ', 'unknown', 'a'.repeat(3000), '1.2.3.4, 5.6.7.8', '[::1]:80', '1.2.3.4:5678', '0.0.0.0', '255.255.255.255', ',,,', '1.2.3.4, <script>'];
const BAD_LANGUAGES = ['*', 'xx', ';q=', 'a'.repeat(500), 'zh-Hant-TW', 'en;q=abc', 'fr;q=1.5', '\u00e9', ',,,,', 'en-US,en;q=0.9,'.repeat(50)];
const BAD_AGENTS = ['', 'a'.repeat(4000), '\u00ff\u00fe', '() { :; }; echo', "'; DROP TABLE sessions; --"];
const AUTH_SCHEMES = ['Bearer', 'Bearer ', 'bearer {t}', 'BEARER {t}', 'Bearer  {t}', 'Bearer {t} ', 'Basic {t}', 'Token {t}', '{t}', 'Bearer {t}, Bearer {t}', 'Bearer {t}=', 'Bearer "{t}"', 'Bearer {t}.x'];
export function authHeaderFor(scheme: number, token: string): string {
  return AUTH_SCHEMES[scheme % AUTH_SCHEMES.length].replaceAll('{t}', token);
}

const TOKEN_KINDS: TokenKind[] = ['none', 'aal1', 'admin', 'mfa', 'enroll'];

const MUTATIONS: Array<[string, number, Mutation]> = [
  ['valid', 14, (_op, plan) => fc.constant(plan)],
  // Body fields: wrong types, missing, extra, boundary lengths, unicode, control characters, lone surrogates, huge numbers.
  ['body.type', 6, atSomePath(() => wrongType)],
  ['body.missing', 4, atSomePath(() => fc.constant(undefined))],
  ['body.extra', 4, (_op, plan) => {
    const body = bodyOf(plan);
    const objects = objectPathsOf(body);
    if (objects.length === 0) return fc.constant(plan);
    return fc.tuple(fc.constantFrom(...objects), fc.constantFrom(...EXTRA_KEYS), hostileValue).map(([path, key, value]) => ({
      ...plan,
      body: { kind: 'json' as const, value: addAt(body, path, key, value) },
    }));
  }],
  ['body.boundary', 6, atSomePath((schema) => boundaryString([schema?.minLength, schema?.maxLength, 6, 8, 32, 64, 128, 254, 512].filter((n): n is number => n !== undefined)))],
  ['body.unicode', 4, atSomePath(() => unicodeString)],
  ['body.control', 3, atSomePath(() => controlString)],
  ['body.nul', 3, atSomePath(() => nulString)],
  ['body.surrogate', 4, atSomePath(() => surrogateString)],
  ['body.injection', 2, atSomePath(() => injectionString)],
  ['body.number', 4, atSomePath(() => overlongNumber)],
  ['body.any', 4, atSomePath(() => hostileValue, { withRoot: true })],
  ['body.raw', 6, (_op, plan) => fc.constantFrom(...RAW_BODIES).map(([text, contentType]) => ({ ...plan, body: { kind: 'raw' as const, text, contentType } }))],
  ['body.drop', 1, (_op, plan) => fc.constant({ ...plan, body: { kind: 'none' as const } })],
  // Query parameters: hostile values, raw (broken) encodings, repeated and bracketed keys, unknown names.
  ['query.value', 5, (op, plan) => {
    const names = op.query.length > 0 ? op.query.map((q) => q.name) : ['x'];
    return fc.tuple(fc.constantFrom(...names), fc.oneof(hostileValue.map((v): ParamValue => ({ text: v })), fc.constantFrom(...QUERY_RAW).map((raw): ParamValue => ({ raw }))))
      .map(([name, value]) => ({ ...plan, query: [...plan.query.filter(([n]) => n !== name), [name, value] as [string, ParamValue]] }));
  }],
  ['query.number', 3, (op, plan) => {
    const names = op.query.filter((q) => q.schema.type === 'number' || q.schema.type === 'integer').map((q) => q.name);
    return fc.tuple(fc.constantFrom(...(names.length > 0 ? names : ['limit'])), fc.constantFrom('0', '-1', '1.5', '1e400', '1e2', '0x10', '1_000', 'NaN', 'Infinity', '-0', '%205', '5%20', '+5', '9'.repeat(400), '99999999999999999999', '9007199254740993', '2147483648', ''))
      .map(([name, raw]) => ({ ...plan, query: [...plan.query.filter(([n]) => n !== name), [name, { raw }] as [string, ParamValue]] }));
  }],
  ['query.shape', 3, (op, plan) => {
    const name = op.query[0]?.name ?? 'x';
    return fc.constantFrom<Array<[string, ParamValue]>>(
      [[name, { raw: 'a' }], [name, { raw: 'b' }]],
      [[`${name}[a]`, { raw: 'b' }]],
      [[`${name}[]`, { raw: 'b' }]],
      [['__proto__', { raw: 'x' }]],
      [['constructor', { raw: 'x' }]],
      [['unknown', { raw: '1' }]],
      [['', { raw: 'x' }]],
      [[name, { raw: '' }]],
      [['%00', { raw: 'x' }]],
      [[`${name}%00`, { raw: 'x' }]],
    ).map((extra) => ({ ...plan, query: [...plan.query, ...extra] }));
  }],
  // Path ids: not UUIDs, unknown UUIDs, broken encodings.
  ['path.id', 6, (op, plan) => {
    if (op.pathParams.length === 0) return fc.constant(plan);
    return fc.tuple(fc.nat({ max: op.pathParams.length - 1 }), fc.oneof(fc.constantFrom(...PATH_IDS).map((raw): ParamValue => ({ raw })), hostileValue.map((v): ParamValue => ({ text: v })), fc.uuid().map((id): ParamValue => ({ text: id }))))
      .map(([i, value]) => ({ ...plan, path: plan.path.map((p, j) => (j === i ? value : p)) }));
  }],
  // Tokens: none, each other real kind, bad ones (malformed, forged, non-UUID ids), odd Authorization headers.
  ['auth.kind', 8, (_op, plan) => fc.constantFrom(...TOKEN_KINDS).map((token) => ({ ...plan, auth: { kind: 'token' as const, token } }))],
  ['auth.bad', 8, (_op, plan) => fc.nat().map((n) => ({ ...plan, auth: { kind: 'bad' as const, n } }))],
  ['auth.scheme', 2, (op, plan) => fc.tuple(fc.nat(), fc.constantFrom(...TOKEN_KINDS)).map(([n, token]) => ({ ...plan, auth: { kind: 'scheme' as const, n, token: token === 'none' ? op.tokens[0] : token } }))],
  // Headers the server reads: the client address behind a proxy, the SMS language, the user agent it stores.
  ['headers', 2, (_op, plan) =>
    fc.record({
      forwardedFor: fc.oneof(fc.constantFrom(...BAD_FORWARDED_FOR), fc.constant(null)) as fc.Arbitrary<number | string | null>,
      acceptLanguage: fc.constantFrom(null, ...BAD_LANGUAGES),
      userAgent: fc.constantFrom(null, ...BAD_AGENTS),
    }).map((headers) => ({ ...plan, headers }))],
  // Receipts: unsigned or wrongly signed, so the signature check is fuzzed as well as what comes after it.
  ['signature', 1, (_op, plan) => fc.constantFrom<'none' | 'wrong'>('none', 'wrong').map((signature) => ({ ...plan, signature }))],
];

