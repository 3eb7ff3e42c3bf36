import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { DEFAULT_MFA_POLICY } from '../../src/policy/mfa-policy.js';
import { vonageSignature } from '../../src/sms/vonage-signature.js';
import type { TestApp } from '../support/test-app.js';
import type { Identities } from './identities.js';
import { authHeaderFor, fuzzCase, type FuzzCase, type ParamValue } from './mutations.js';
import type { Operation, TokenKind } from './operations.js';
import { Obj, percentEncode, Sym, toJson, toText, type Value } from './values.js';

/** Where requests go: the in-process app and any app threads, each with what it logged as errors. */
export interface Target {
  url: string;
  errorLogs(): Promise<string[]>;
}

export interface FuzzOptions {
  requests: number;
  seed: number;
  concurrency: number;
  /** New accounts every this many requests (see Identities.rotate). */
  rotateEvery: number;
  /** The run stops here even if fewer requests were sent (and says so). */
  timeLimitMs: number;
  receiptSecret: string;
}

export interface Failure {
  why: string;
  request: string;
  status: number;
  response: string;
  /** What the server logged for this request id, when it logged an error. */
  serverLog?: string;
}

export interface FuzzReport {
  seed: number;
  sent: number;
  planned: number;
  seconds: number;
  byStatus: Record<string, number>;
  byCode: Record<string, number>;
  byOperation: Record<string, Record<string, number>>;
  /** Time spent waiting for answers, per operation, in total. */
  milliseconds: Record<string, number>;
  byMutation: Record<string, Record<string, number>>;
  /** Answered 429 RATE_LIMITED by the per-IP throttler, before any other check. */
  throttled: number;
  /** Refused by the access guard (no, wrong or bad token). */
  refusedByGuard: number;
  /** Past the throttler and the guard: answered by the route's own validation or logic. */
  reachedRoute: number;
  /** Real tokens refused because an earlier request revoked or consumed them, then minted again. */
  renewals: number;
  /** The in-process app and the app threads the requests were spread over. */
  instances: number;
  /** How busy the main thread's event loop (the in-process app's and the fuzzer's) was, 0–1: near 1, the run is bound by it. */
  eventLoopUtilization: number;
  /** CPU the process used per request (every thread: apps, fuzzer, Argon2), in milliseconds. */
  cpuMsPerRequest: number;
  failureCount: number;
  failures: Failure[];
}

interface Answer {
  status: number;
  contentType: string;
  requestId: string;
  text: string;
}

const GUARD_CODES = new Set(['UNAUTHENTICATED', 'MFA_TOKEN_INVALID', 'FORBIDDEN', 'STEP_UP_REQUIRED']);
/** What must never appear in an answer: stack frames, SQL and library errors. */
const LEAK = /\bat \S+ \(|node_modules|QueryFailedError|SyntaxError|TypeError|URIError|RangeError|invalid input syntax|invalid byte sequence|duplicate key|violates/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_FAILURES_KEPT = 40;
const CHUNK = 500;

/**
 * Sends `options.requests` generated requests with `options.concurrency` in
 * flight and tallies the answers. Every answer must be a 2xx/3xx or a 4xx
 * application/problem+json with a string `code`; anything else is a failure.
 */
export async function runFuzz(t: TestApp, targets: Target[], ops: Operation[], identities: Identities, options: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = {
    seed: options.seed,
    sent: 0,
    planned: options.requests,
    seconds: 0,
    byStatus: {},
    byCode: {},
    byOperation: {},
    milliseconds: {},
    byMutation: {},
    throttled: 0,
    refusedByGuard: 0,
    reachedRoute: 0,
    renewals: 0,
    instances: targets.length,
    eventLoopUtilization: 0,
    cpuMsPerRequest: 0,
    failureCount: 0,
    failures: [],
  };
  const arbitrary = fuzzCase(ops);
  const started = Date.now();
  let emailCounter = 0;
  let next = 0;
  let chunk: FuzzCase[] = [];
  let chunkStart = 0;
  let rotating: Promise<void> | null = null;
  let nextRotation = options.rotateEvery;

  /** Request ids of the 5xx answers, to look up in the servers' logs at the end. */
  const failedRequestIds = new Map<Failure, string>();
  const fail = (failure: Failure) => {
    report.failureCount += 1;
    if (report.failures.length < MAX_FAILURES_KEPT) report.failures.push(failure);
  };

  /** Cases come from the seed alone, a chunk at a time, so a run is the same requests whatever the timing. */
  const caseAt = (i: number): FuzzCase => {
    if (i >= chunkStart + chunk.length) {
      chunkStart = i - (i % CHUNK);
      chunk = fc.sample(arbitrary, { seed: (options.seed + Math.floor(i / CHUNK) * 7919) | 0, numRuns: CHUNK });
    }
    return chunk[i - chunkStart];
  };

  const worker = async () => {
    while (next < options.requests && Date.now() - started < options.timeLimitMs) {
      const index = next++;
      const c = caseAt(index);
      if (index >= nextRotation) {
        nextRotation += options.rotateEvery;
        rotating = identities.rotate();
      }
      if (rotating) await rotating;
      const op = ops[c.op];
      const built = await build(op, c);
      let res: Answer;
      const sentAt = performance.now();
      try {
        res = await send(op.method, built);
      } catch (error) {
        fail({ why: `no answer (${(error as Error).message})`, request: describe(op, c, built), status: 0, response: '' });
        continue;
      }
      report.sent += 1;
      const route = `${op.method} ${op.path}`;
      report.milliseconds[route] = (report.milliseconds[route] ?? 0) + (performance.now() - sentAt);
      await classify(op, c, built, res);
    }
  };

  const resolveFor = (op: Operation) => (sym: Sym): string => {
    const pick = (values: string[], fallback: string) => (values.length > 0 ? values[sym.n % values.length] : fallback);
    switch (sym.kind) {
      case 'knownId':
        return pick(identities.seen.ids, '00000000-0000-4000-8000-000000000000');
      case 'userId':
        return pick(identities.seen.userIds, '00000000-0000-4000-8000-000000000000');
      case 'freshEmail':
        return `fuzz-${options.seed}-${identities.generationNumber}-${emailCounter++}@fuzz.example`;
      case 'userEmail':
        return identities.userEmail;
      case 'refreshToken':
        return pick(identities.seen.refreshTokens, 'x'.repeat(43));
      case 'cursor':
        return pick(identities.seen.cursors.get(op.path) ?? [], '');
      case 'now':
        return String(Math.floor(t.clock.now().getTime() / 1000));
      case 'phone':
        return '+447400123456';
    }
  };

  interface Built {
    path: string;
    headers: Record<string, string>;
    body: Uint8Array<ArrayBuffer> | undefined;
    token: { kind: TokenKind; value: string } | null;
  }

  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const servers = targets.map((target) => ({ port: Number(new URL(target.url).port), inFlight: 0 }));
  /** node:http rather than fetch: a GET may carry a body, and nothing is added to the headers. Each request goes to the least busy instance. */
  const send = async (method: string, built: Built): Promise<Answer> => {
    const server = servers.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    server.inFlight += 1;
    try {
      return await sendTo(server.port, method, built);
    } finally {
      server.inFlight -= 1;
    }
  };
  const sendTo = (port: number, method: string, built: Built) =>
    new Promise<Answer>((resolve, reject) => {
      const headers = { ...built.headers, ...(built.body ? { 'content-length': String(built.body.length) } : {}) };
      const req = request({ host: '127.0.0.1', port, method, path: built.path, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), requestId: String(res.headers['x-request-id'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.setTimeout(15_000, () => req.destroy(new Error('no answer within 15 s')));
      req.on('error', reject);
      req.end(built.body);
    });

  const build = async (op: Operation, c: FuzzCase): Promise<Built> => {
    const resolve = resolveFor(op);
    const param = (value: ParamValue) => ('raw' in value ? value.raw : percentEncode(toText(value.text, resolve)));
    let i = 0;
    const path = op.path.replace(/:(\w+)/g, () => param(c.path[i++] ?? { text: 'x' }));
    const query = c.query
      // No cursor seen yet for this route: the first page is asked for without one.
      .filter(([, v]) => !('text' in v && v.text instanceof Sym && v.text.kind === 'cursor' && resolve(v.text) === ''))
      .map(([k, v]) => `${k}=${param(v)}`)
      .join('&');
    const headers: Record<string, string> = {};
    let token: Built['token'] = null;
    if (c.auth.kind === 'token') {
      const ownSession = c.auth.token === 'aal1' && op.path === '/auth/logout';
      const value = ownSession ? await identities.throwawayAccessToken() : identities.token(c.auth.token);
      if (value) {
        headers.authorization = `Bearer ${value}`;
        if (!ownSession) token = { kind: c.auth.token, value };
      }
    } else if (c.auth.kind === 'bad') {
      headers.authorization = `Bearer ${identities.badToken(c.auth.n)}`;
    } else {
      headers.authorization = authHeaderFor(c.auth.n, identities.token(c.auth.token) ?? 'x');
    }
    const xff = c.headers.forwardedFor;
    // Documentation addresses (RFC 5737): only a header value, never a destination.
    if (xff !== null) headers['x-forwarded-for'] = typeof xff === 'number' ? `198.51.100.${xff}` : xff;
    if (c.headers.acceptLanguage !== null) headers['accept-language'] = c.headers.acceptLanguage;
    if (c.headers.userAgent !== null) headers['user-agent'] = c.headers.userAgent;
    let body: Uint8Array<ArrayBuffer> | undefined;
    if (c.body.kind === 'json') {
      const value = op.path === '/webhooks/vonage/delivery-receipt' ? signedReceipt(c.body.value, c.signature, resolve) : c.body.value;
      body = new TextEncoder().encode(toJson(value, resolve));
      headers['content-type'] = 'application/json';
    } else if (c.body.kind === 'raw') {
      body = new TextEncoder().encode(c.body.text);
      if (c.body.contentType !== null) headers['content-type'] = c.body.contentType;
    }
    return { path: query ? `${path}?${query}` : path, headers, body, token };
  };

  /** Signs what will be sent, as Vonage would: every string member but `sig`. */
  const signedReceipt = (value: Value, signature: FuzzCase['signature'], resolve: (s: Sym) => string): Value => {
    if (!(value instanceof Obj) || signature === 'none') return value;
    const params: Record<string, string> = {};
    for (const [k, v] of value.entries) {
      if (typeof v === 'string' || typeof v === 'number') params[k] = String(v);
      else if (v instanceof Sym) params[k] = resolve(v);
    }
    const sig = signature === 'valid' ? vonageSignature(params, options.receiptSecret) : 'ab'.repeat(32);
    return new Obj([...value.entries.filter(([k]) => k !== 'sig'), ['sig', sig]]);
  };

  const describe = (op: Operation, c: FuzzCase, built: Built) => {
    const body = built.body ? new TextDecoder().decode(built.body) : '';
    return `${op.method} ${built.path.slice(0, 300)} [${c.mutation}; auth ${JSON.stringify(c.auth)}] ${body.length > 300 ? `${body.slice(0, 300)}… (${body.length} bytes)` : body}`;
  };

  const classify = async (op: Operation, c: FuzzCase, built: Built, res: Answer) => {
    const { status, text } = res;
    const route = `${op.method} ${op.path}`;
    count(report.byStatus, String(status));
    count((report.byOperation[route] ??= {}), String(status));
    count((report.byMutation[c.mutation.split('+')[0]] ??= {}), `${Math.floor(status / 100)}xx`);
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const code: unknown = body?.code;
    if (status >= 400) {
      const type = res.contentType;
      if (typeof code === 'string') count(report.byCode, code);
      if (status >= 500) {
        const failure: Failure = { why: `status ${status}`, request: describe(op, c, built), status, response: text.slice(0, 300) };
        fail(failure);
        failedRequestIds.set(failure, String(body?.requestId ?? res.requestId));
      } else if (!type.startsWith('application/problem+json') || typeof code !== 'string') {
        fail({ why: 'an error that is not problem+json with a code', request: describe(op, c, built), status, response: `${type} ${text.slice(0, 300)}` });
      } else if (LEAK.test(text)) {
        fail({ why: 'library or database text in the answer', request: describe(op, c, built), status, response: text.slice(0, 300) });
      }
      if (code === 'RATE_LIMITED') report.throttled += 1;
      else if (typeof code === 'string' && GUARD_CODES.has(code)) report.refusedByGuard += 1;
      else report.reachedRoute += 1;
    } else {
      report.reachedRoute += 1;
      harvest(op, body);
    }
    // A real token the guard refused was revoked or consumed by an earlier request: mint another.
    if (built.token && (code === 'UNAUTHENTICATED' || code === 'MFA_TOKEN_INVALID' || code === 'STEP_UP_REQUIRED')) {
      await identities.renew(built.token.kind, built.token.value);
    }
    if (route === 'PUT /admin/mfa/policy' && status === 200) await restorePolicy();
  };

  /** A fuzzed policy that was accepted (say, every factor but one disallowed) must not narrow what the rest of the run reaches. */
  const restorePolicy = async () => {
    // A request in flight may end the admin's sessions (a phone change, a reset) between minting the token and using it: mint again.
    for (let attempt = 1; ; attempt++) {
      const token = await identities.freshAdminToken();
      const res = await t.request('PUT', '/admin/mfa/policy', { body: DEFAULT_MFA_POLICY, token });
      if (res.status === 200) return;
      if (res.status === 401 && attempt < 3) continue;
      fail({ why: 'could not restore the default policy', request: 'PUT /admin/mfa/policy', status: res.status, response: res.text.slice(0, 300) });
      return;
    }
  };

  /** Ids, refresh tokens and cursors in a successful answer, for later requests to aim at. */
  const harvest = (op: Operation, body: unknown) => {
    const stack: unknown[] = [body];
    let visited = 0;
    while (stack.length > 0 && visited++ < 500) {
      const node = stack.pop();
      if (Array.isArray(node)) stack.push(...node);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (typeof value === 'string') {
            if (UUID.test(value) && /^(id|factorId|challengeId|userId)$/.test(key) && !identities.isOwn(value)) {
              identities.remember('ids', value);
              if (key === 'userId' || op.path === '/admin/users') identities.remember('userIds', value);
            } else if (key === 'refreshToken') identities.remember('refreshTokens', value);
            else if (key === 'nextCursor') identities.rememberCursor(op.path, value);
          } else stack.push(value);
        }
      }
    }
  };

  await identities.rotate();
  const loopBefore = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  report.eventLoopUtilization = performance.eventLoopUtilization(loopBefore).utilization;
  const cpu = process.cpuUsage(cpuBefore);
  report.cpuMsPerRequest = (cpu.user + cpu.system) / 1000 / Math.max(report.sent, 1);
  agent.destroy();
  report.seconds = (Date.now() - started) / 1000;
  report.renewals = identities.renewals;
  if (failedRequestIds.size > 0) {
    const logs = (await Promise.all(targets.map((target) => target.errorLogs()))).flat();
    for (const [failure, requestId] of failedRequestIds) failure.serverLog = serverLogFor(logs, requestId);
  }
  if (report.sent < options.requests) {
    fail({ why: `only ${report.sent} of ${options.requests} requests were answered within ${options.timeLimitMs / 1000} s`, request: '', status: 0, response: '' });
  }
  return report;
}

function count(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function serverLogFor(logs: string[], requestId: string): string | undefined {
  const line = logs.find((l) => l.includes(requestId) && /"level":50/.test(l));
  if (!line) return undefined;
  try {
    const entry = JSON.parse(line);
    return `${entry.err?.type ?? ''}: ${entry.err?.message ?? entry.msg}`.slice(0, 400);
  } catch {
    return line.slice(0, 400);
  }
}

/** The report as people read it: totals, then counts by status, code, operation and mutation. */
export function formatReport(report: FuzzReport, options: FuzzOptions): string {
  const pct = (n: number) => `${((100 * n) / Math.max(report.sent, 1)).toFixed(1)}%`;
  const sorted = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
  const lines = [
    '',
    `fuzz: seed ${report.seed}, ${report.sent} requests in ${report.seconds.toFixed(1)} s (${Math.round(report.sent / Math.max(report.seconds, 0.001))}/s, ${options.concurrency} in flight, ${report.instances} app instance${report.instances === 1 ? '' : 's'})`,
    `  main event loop busy ${(100 * report.eventLoopUtilization).toFixed(0)}%, ${report.cpuMsPerRequest.toFixed(1)} ms of CPU per request (all threads: apps, fuzzer, Argon2)`,
    `  by status: ${sorted(report.byStatus)}`,
    `  5xx: ${Object.entries(report.byStatus).filter(([s]) => Number(s) >= 500).reduce((n, [, v]) => n + v, 0)}`,
    `  past the throttler: ${report.sent - report.throttled} (${pct(report.sent - report.throttled)}); past the guard too: ${report.reachedRoute} (${pct(report.reachedRoute)}); refused by the guard: ${report.refusedByGuard}; throttled: ${report.throttled}; tokens minted again: ${report.renewals}`,
    `  by code: ${sorted(report.byCode)}`,
    '  by operation:',
    ...Object.entries(report.byOperation)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([op, counts]) => {
        const total = Object.values(counts).reduce((a, b) => a + b, 0);
        return `    ${op.padEnd(48)} ${String(Math.round((report.milliseconds[op] ?? 0) / total)).padStart(4)} ms  ${sorted(counts)}`;
      }),
    '  by mutation (status class):',
    ...Object.entries(report.byMutation)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([m, counts]) => `    ${m.padEnd(16)} ${sorted(counts)}`),
    `  failures: ${report.failureCount}`,
    ...report.failures.map((f) => `    - ${f.why}: ${f.request}\n      → ${f.status} ${f.response}${f.serverLog ? `\n      server: ${f.serverLog}` : ''}`),
    '',
  ];
  return lines.join('\n');
}
