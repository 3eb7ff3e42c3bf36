import type { RouteInfo } from '../support/route-inventory.js';

/** The token a route's guard expects, read from the route's access statement. */
export type TokenKind = 'none' | 'aal1' | 'admin' | 'mfa' | 'enroll';

export interface JsonSchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  $ref?: string;
}

export interface ParamSpec {
  name: string;
  required: boolean;
  schema: JsonSchema;
}

/** One operation to fuzz: where it is, what it takes and which token gets past its guard. */
export interface Operation {
  method: string;
  /** Express form, `/admin/users/:id`. */
  path: string;
  pathParams: string[];
  query: ParamSpec[];
  /** The JSON request body schema, or null for a route that reads no body. */
  body: JsonSchema | null;
  /** The tokens its guard accepts (the first is the one valid requests carry). */
  tokens: TokenKind[];
  /** False for routes the OpenAPI document leaves out (webhooks, JWKS): they are fuzzed from the route inventory. */
  documented: boolean;
  /** How often the fuzzer picks it, relative to the others. */
  weight: number;
}

/**
 * Routes that hash a password (Argon2id, 19 MiB) whenever the body is valid:
 * each such request costs as much CPU as dozens of others, so they are picked
 * a third as often, and still get thousands of requests in a full run.
 */
const PASSWORD_HASHING = new Set(['POST /auth/register', 'POST /auth/login']);
const weightOf = (key: string) => (PASSWORD_HASHING.has(key) ? 1 : 3);

interface OpenApiOperation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: JsonSchema }>;
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/**
 * Every operation of the OpenAPI document, with its access statement from the
 * route inventory, plus the routes the document leaves out, so that no route
 * escapes the fuzzer because it is undocumented.
 */
export function operationsOf(doc: OpenApiDocument, routes: RouteInfo[]): Operation[] {
  const requirement = new Map(routes.map((r) => [`${r.method} ${r.path}`, r]));
  const ops: Operation[] = [];
  const seen = new Set<string>();
  for (const [openApiPath, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const path = openApiPath.replace(/\{(\w+)\}/g, ':$1');
      const key = `${method.toUpperCase()} ${path}`;
      const route = requirement.get(key);
      if (!route) throw new Error(`the OpenAPI document lists ${key}, which the app does not serve`);
      seen.add(key);
      const params = operation.parameters ?? [];
      const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, required: p.required ?? false, schema: p.schema ?? {} })),
        body: bodySchema ? resolve(bodySchema, doc) : null,
        tokens: tokensFor(route),
        documented: true,
        weight: weightOf(key),
      });
    }
  }
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) continue;
    ops.push({
      method: route.method,
      path: route.path,
      pathParams: [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]),
      query: [],
      body: UNDOCUMENTED_BODIES[key] ?? null,
      tokens: tokensFor(route),
      documented: false,
      weight: weightOf(key),
    });
  }
  return ops;
}

/** What the undocumented routes read, from their controllers. */
const UNDOCUMENTED_BODIES: Record<string, JsonSchema> = {
  // Vonage's delivery receipt (SMS API): a flat map of strings, signed (see mutations.ts).
  'POST /webhooks/vonage/delivery-receipt': {
    type: 'object',
    properties: {
      messageId: { type: 'string', maxLength: 512 },
      status: { type: 'string', enum: ['delivered', 'failed', 'rejected', 'expired', 'accepted', 'buffered'] },
      msisdn: { type: 'string' },
      to: { type: 'string' },
      'network-code': { type: 'string' },
      'err-code': { type: 'string' },
      'message-timestamp': { type: 'string' },
      scts: { type: 'string' },
      timestamp: { type: 'string' },
      nonce: { type: 'string' },
    },
    required: ['messageId', 'status', 'timestamp', 'nonce'],
  },
};

function tokensFor(route: RouteInfo): TokenKind[] {
  const r = route.requirement;
  if (!r || r.kind === 'public') return ['none'];
  if (r.kind === 'mfa') return r.purposes.includes('enroll') && !r.purposes.includes('step_up') ? ['enroll'] : ['mfa'];
  const access: TokenKind = r.roles.includes('admin') ? 'admin' : 'aal1';
  return r.mfaPurposes.includes('enroll') ? [access, 'enroll'] : [access];
}

function resolve(schema: JsonSchema, doc: OpenApiDocument): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = doc.components?.schemas?.[name];
  if (!target) throw new Error(`unresolved ${schema.$ref}`);
  return resolve(target, doc);
}
