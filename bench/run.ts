/**
 * Benchmarks with goals: `npm run bench` (builds, then runs dist/bench/run.js).
 *
 * Measures the login hot path the way an operator runs Sesame: the built
 * server (`node dist/src/main.js`) as a child process in production mode with
 * fresh secrets (APP_SECRET, a P-256 signing key), SMS through the official
 * Vonage SDK to a local fake Vonage (bench/fake-vonage.ts), TRUST_PROXY on and
 * its real rate limits. Each simulated user has its own X-Forwarded-For
 * address and phone number, so per-IP throttling and the per-user and
 * per-number SMS caps apply as they would to real users and never to the
 * benchmark as a whole.
 *
 * Database: a fresh `sesame_bench_<ts>` database on DATABASE_URL's server if
 * set, else on the machine's Postgres (postgres://postgres@127.0.0.1:5432) if
 * pg_isready reaches it, else on a throwaway embedded cluster. Dropped at the
 * end, also when the run fails.
 *
 * SQL statements are counted by a preload (bench/count-statements.ts, loaded
 * with `node --import`) that patches pg's Client.prototype.query in the server
 * process and reports over IPC, so production code needs no counting switch.
 * A phase's count is everything the server sent between the reset before it
 * and the read after it, background work included (the outbox worker sends
 * what requests have not sent yet, which is work the flows caused).
 *
 * Phases (set-up of users, enrolment and the password login is not timed):
 *  1. login timing: unknown email vs wrong password, interleaved;
 *  2. SMS second factor at 8 and at 50 concurrent flows; a flow is
 *     POST /auth/mfa/challenges → the code arrives at the fake → POST /auth/mfa/verify;
 *  3. SMS burst: 50 challenges sent at once, until every code has arrived;
 *     the codes are then verified (untimed), since a fast burst of codes that
 *     do not work would prove nothing.
 *
 * Goals (GOALS below; the process exits 1 when one is missed, 2 when the
 * benchmark itself could not run):
 *  - no failed flow and no 5xx response (nor a request left unanswered)
 *    anywhere in the run, counted from the answers the benchmark receives;
 *  - p99 of a flow at 50 concurrent ≤ 300 ms;
 *  - ≤ 14 SQL statements per flow, not counting transaction control;
 *  - server RSS ≤ 250 MiB after every phase;
 *  - unknown-email / wrong-password median ratio within 0.8–1.25, so login
 *    timing does not reveal which accounts exist (a security requirement);
 *  - burst: every code delivered within 2000 ms of the first request.
 *
 * Env: DATABASE_URL; BENCH_FLOWS (both flow phases), BENCH_FLOWS_8 (80),
 * BENCH_FLOWS_50 (150), BENCH_BURST (50), BENCH_TIMING_SAMPLES (60),
 * BENCH_SETUP_CONCURRENCY (8), DATABASE_POOL_SIZE (passed to the server), BENCH_SERVER_NODE_ARGS (extra node flags for the
 * server, e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile it).
 *
 * CPU per flow: the server's own (process.cpuUsage() in the preload, from the
 * reset before a phase to the read after it) and, on Linux, that of every
 * local process named postgres over the same span. Less noisy than flows/s on
 * a shared machine, though a busy host slows every instruction.
 *
 * Output: a table of figures and goals, then one JSON line with every figure.
 * The server's own log (LOG_LEVEL=warn) is kept in the temp folder; its path
 * is printed at the start.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { existsSync, openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import type { StatementStats } from './count-statements.js';
import { FakeVonage } from './fake-vonage.js';

const GOALS = {
  failedFlows: 0,
  responses5xx: 0,
  p99At50Ms: 300,
  statementsPerFlow: 14,
  rssMiB: 250,
  timingRatioMin: 0.8,
  timingRatioMax: 1.25,
  burstMs: 2000,
} as const;

const envInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
};

const FLOWS_ALL = process.env.BENCH_FLOWS ? envInt('BENCH_FLOWS', 1) : undefined;
const PHASES = [
  { concurrency: 8, flows: envInt('BENCH_FLOWS_8', FLOWS_ALL ?? 80) },
  { concurrency: 50, flows: envInt('BENCH_FLOWS_50', FLOWS_ALL ?? 150) },
];
const BURST = envInt('BENCH_BURST', 50);
const TIMING_SAMPLES = envInt('BENCH_TIMING_SAMPLES', 60);
const SETUP_CONCURRENCY = envInt('BENCH_SETUP_CONCURRENCY', 8);
const TIMING_WARMUP = 10;
// One wrong password per account: from the 5th in a row an account is slowed down (auth.service.ts), which would time the delay instead.
const TIMING_ACCOUNTS = TIMING_WARMUP + TIMING_SAMPLES;
const IDLE_WINDOW_MS = 3000;
/** How long a flow waits for its code at the fake before it counts as failed. */
const SMS_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 30_000;
const PASSWORD = 'Bench-password-123';

const root = fileURLToPath(new URL('../..', import.meta.url));
const runId = Date.now();

// ---------------------------------------------------------------- clean-up

const cleanups: Array<() => Promise<void>> = [];
let cleaning: Promise<void> | null = null;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        console.error(`clean-up step failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the server and dropping the database`);
    void cleanUp().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------- database

interface BenchDatabase {
  url: string;
  where: 'DATABASE_URL' | 'machine' | 'embedded';
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function machinePostgresReady(): boolean {
  try {
    execFileSync('pg_isready', ['-q', '-h', '127.0.0.1', '-p', '5432'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** A fresh database on the chosen server, registered to be dropped at the end. */
async function openDatabase(): Promise<BenchDatabase> {
  const name = `sesame_bench_${runId}`;
  const create = async (adminUrl: string, where: BenchDatabase['where']): Promise<BenchDatabase> => {
    await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
    cleanups.push(() => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return { url: url.toString(), where };
  };

  if (process.env.DATABASE_URL) return create(process.env.DATABASE_URL, 'DATABASE_URL');
  if (machinePostgresReady()) {
    try {
      return await create('postgres://postgres@127.0.0.1:5432/postgres', 'machine');
    } catch (error) {
      console.log(`machine Postgres answered pg_isready but refused the benchmark (${(error as Error).message}); using an embedded cluster`);
    }
  }
  const { startEmbeddedPostgres } = await import('../src/database/embedded-postgres.js');
  const dir = await mkdtemp(join(tmpdir(), 'sesame-bench-pg-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const embedded = await startEmbeddedPostgres({ dir, persistent: false });
  cleanups.push(() => embedded.stop());
  return create(embedded.url, 'embedded');
}

// ---------------------------------------------------------------- server

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

class ServerProcess {
  private nextId = 0;
  private readonly pending = new Map<number, (message: any) => void>();

  constructor(
    readonly child: ChildProcess,
    readonly base: string,
    readonly logPath: string,
  ) {
    child.on('message', (message: any) => {
      const resolve = this.pending.get(message?.id);
      if (resolve) {
        this.pending.delete(message.id);
        resolve(message);
      }
    });
  }

  private ask(type: 'stats' | 'reset'): Promise<any> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the server did not answer the "${type}" IPC message (is the statement-counting preload loaded?)`));
      }, 5000);
      this.pending.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.child.send({ type, id });
    });
  }

  async stats(): Promise<StatementStats> {
    return (await this.ask('stats')).stats as StatementStats;
  }

  async reset(): Promise<void> {
    await this.ask('reset');
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}

async function startServer(databaseUrl: string, fake: FakeVonage): Promise<ServerProcess> {
  const main = join(root, 'dist/src/main.js');
  const preload = join(root, 'dist/bench/count-statements.js');
  for (const file of [main, preload]) if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);

  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const port = await freePort();
  const logPath = join(tmpdir(), `sesame-bench-${runId}.log`);
  const log = openSync(logPath, 'w');
  // Only what a service manager would pass, plus the settings under test: nothing from the shell leaks in.
  const inherited = Object.fromEntries(['PATH', 'HOME', 'TMPDIR', 'TZ', 'LANG'].filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
  // BENCH_SERVER_NODE_ARGS: extra flags for the server's node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', pathToFileURL(preload).href, main], {
    cwd: root,
    stdio: ['ignore', log, log, 'ipc'],
    env: {
      ...inherited,
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      APP_SECRET: randomBytes(48).toString('base64'),
      JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      SMS_PROVIDER: 'vonage',
      VONAGE_API_KEY: 'bench-key',
      VONAGE_API_SECRET: 'bench-api-secret',
      VONAGE_FROM: 'Sesame',
      VONAGE_REST_HOST: fake.url,
      SMTP_URL: 'smtp://127.0.0.1:2525',
      MAIL_FROM: 'Sesame <no-reply@example.com>',
      SMS_HOURLY_BUDGET: '1000000',
      TRUST_PROXY: 'true',
      LOG_LEVEL: 'warn',
      APP_NAME: 'Sesame',
      WEBOTP_DOMAIN: 'sesame.test',
      // One process: the statement counter and the memory figure are those of the process that serves.
      WEB_CONCURRENCY: '1',
      // Set in the benchmark's environment, tried as the operator would set it.
      ...(process.env.DATABASE_POOL_SIZE ? { DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE } : {}),
    },
  });
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  });
  const server = new ServerProcess(child, `http://127.0.0.1:${port}`, logPath);

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} during start-up:\n${server.logTail()}`);
    try {
      const res = await fetch(`${server.base}/health/ready`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server was not ready within 90 s:\n${server.logTail()}`);
    await sleep(200);
  }
}

// ---------------------------------------------------------------- HTTP client

interface Tally {
  requests: number;
  responses5xx: number;
  /** No HTTP answer at all (connection refused/reset, timeout). */
  transportErrors: number;
}
const newTally = (): Tally => ({ requests: 0, responses5xx: 0, transportErrors: 0 });

interface Reply {
  status: number;
  body: any;
}

class Http {
  /** Every request of the run. */
  readonly total = newTally();
  /** The phase being run (set-up and measured requests alike). */
  phase = newTally();

  constructor(private readonly base: string) {}

  async post(path: string, body: unknown, headers: Record<string, string>): Promise<Reply> {
    this.total.requests++;
    this.phase.requests++;
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      this.total.transportErrors++;
      this.phase.transportErrors++;
      throw new Error(`POST ${path}: no response (${(error as Error).message})`, { cause: error });
    }
    if (res.status >= 500) {
      this.total.responses5xx++;
      this.phase.responses5xx++;
    }
    const text = await res.text();
    let parsed: any;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed };
  }
}

function expectStatus(reply: Reply, what: string, ...ok: number[]): any {
  if (!ok.includes(reply.status)) {
    const detail = typeof reply.body === 'object' && reply.body ? (reply.body.code ?? reply.body.title ?? JSON.stringify(reply.body)) : String(reply.body);
    throw new Error(`${what}: ${reply.status} ${String(detail).slice(0, 120)}`);
  }
  return reply.body;
}

// ---------------------------------------------------------------- identities

let identityCounter = 0;
const phoneBase = randomInt(0, 900_000);
/** A new user: own address (per-IP limits), own number (per-destination caps), own email. */
function identity() {
  const i = ++identityCounter;
  return {
    email: `u${i}.${runId}@bench.example.com`,
    ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    phone: `+447400${String(phoneBase + i).padStart(6, '0')}`,
  };
}

interface EnrolledUser {
  email: string;
  phone: string;
  headers: Record<string, string>;
}

interface PendingLogin {
  phone: string;
  headers: Record<string, string>;
  mfaToken: string;
  factorId: string;
}

/** Register, sign in, enrol a phone and activate it with the code that reached the fake. */
async function enrolledUser(http: Http, fake: FakeVonage): Promise<EnrolledUser> {
  const { email, ip, phone } = identity();
  const headers = { 'x-forwarded-for': ip };
  expectStatus(await http.post('/auth/register', { email, password: PASSWORD }, headers), 'register', 201);
  const first = expectStatus(await http.post('/auth/login', { email, password: PASSWORD }, headers), 'login', 200);
  if (!first?.accessToken) throw new Error(`login: expected tokens, got ${JSON.stringify(first).slice(0, 120)}`);
  const auth = { ...headers, authorization: `Bearer ${first.accessToken}` };
  const sent = fake.countTo(phone);
  const enrol = expectStatus(await http.post('/me/mfa/factors/sms', { phone }, auth), 'enrol SMS', 201);
  const sms = await fake.waitFor(phone, sent + 1, SMS_TIMEOUT_MS);
  expectStatus(await http.post(`/me/mfa/factors/${enrol.factorId}/activate`, { challengeId: enrol.challengeId, code: sms.code }, auth), 'activate', 200, 201);
  return { email, phone, headers };
}

/** The password login of a user with a factor: an mfaToken waiting for the second factor. */
async function pendingLogin(http: Http, user: EnrolledUser): Promise<PendingLogin> {
  const reply = expectStatus(await http.post('/auth/login', { email: user.email, password: PASSWORD }, user.headers), 'login with a factor', 200);
  if (reply?.status !== 'mfa_required' || !reply.factors?.[0]?.id) throw new Error(`login with a factor: ${JSON.stringify(reply).slice(0, 120)}`);
  return { phone: user.phone, headers: user.headers, mfaToken: reply.mfaToken, factorId: reply.factors[0].id };
}

/**
 * Enrols all users first and signs them in afterwards, in a second pass right
 * before the measured phase, so no mfaToken ages towards its expiry while the
 * (slow, argon2-bound) enrolment of the others runs.
 */
async function setUp(http: Http, fake: FakeVonage, count: number): Promise<{ logins: PendingLogin[]; failures: string[] }> {
  const users: EnrolledUser[] = [];
  const logins: PendingLogin[] = [];
  const failures: string[] = [];
  await pool(count, SETUP_CONCURRENCY, async () => {
    try {
      users.push(await enrolledUser(http, fake));
    } catch (error) {
      failures.push((error as Error).message);
    }
  });
  let next = 0;
  await pool(users.length, SETUP_CONCURRENCY, async () => {
    try {
      logins.push(await pendingLogin(http, users[next++]));
    } catch (error) {
      failures.push((error as Error).message);
    }
  });
  return { logins, failures };
}

// ---------------------------------------------------------------- phases

interface TimingResult {
  samples: number;
  unknown_email_median_ms: number;
  wrong_password_median_ms: number;
  ratio: number;
  /** Answers other than 401: these would make the comparison meaningless (e.g. 429). */
  unexpected_statuses: Record<string, number>;
}

async function loginTiming(http: Http): Promise<TimingResult> {
  const accounts: string[] = [];
  for (let i = 0; i < TIMING_ACCOUNTS; i++) {
    const { email, ip } = identity();
    expectStatus(await http.post('/auth/register', { email, password: PASSWORD }, { 'x-forwarded-for': ip }), 'register', 201);
    accounts.push(email);
  }
  const unexpected: Record<string, number> = {};
  const attempt = async (email: string): Promise<number> => {
    const start = performance.now();
    const reply = await http.post('/auth/login', { email, password: 'not-the-password-at-all' }, { 'x-forwarded-for': identity().ip });
    const ms = performance.now() - start;
    if (reply.status !== 401) unexpected[reply.status] = (unexpected[reply.status] ?? 0) + 1;
    return ms;
  };
  const unknown: number[] = [];
  const wrong: number[] = [];
  for (let i = 0; i < TIMING_WARMUP + TIMING_SAMPLES; i++) {
    const ghost = `ghost${i}.${runId}@bench.example.com`;
    const known = accounts[i % accounts.length];
    // Alternate which goes first so neither side always meets a warmer process.
    let u: number;
    let w: number;
    if (i % 2 === 0) {
      u = await attempt(ghost);
      w = await attempt(known);
    } else {
      w = await attempt(known);
      u = await attempt(ghost);
    }
    if (i < TIMING_WARMUP) continue;
    unknown.push(u);
    wrong.push(w);
  }
  const u = percentile(unknown, 50);
  const w = percentile(wrong, 50);
  return { samples: TIMING_SAMPLES, unknown_email_median_ms: round(u), wrong_password_median_ms: round(w), ratio: round(u / w, 3), unexpected_statuses: unexpected };
}

interface FlowPhaseResult {
  concurrency: number;
  flows: number;
  failures: number;
  setup_failures: number;
  wall_s: number;
  flows_per_s: number;
  p50_ms: number;
  p99_ms: number;
  statements_per_flow: number;
  tx_control_per_flow: number;
  /** Of the statements above (all kinds), those sent outside any request's async context. */
  background_statements: number;
  responses_5xx: number;
  transport_errors: number;
  rss_mib: number;
  /** CPU time per flow of the server process, and of the local Postgres server's processes (null: not readable here). */
  server_cpu_ms_per_flow: number;
  postgres_cpu_ms_per_flow: number | null;
  sql_errors: Record<string, number>;
  failure_samples: string[];
}

async function flowPhase(http: Http, fake: FakeVonage, server: ServerProcess, concurrency: number, flows: number): Promise<FlowPhaseResult> {
  http.phase = newTally();
  console.log(`\n${concurrency} concurrent: setting up ${flows} users (not measured)…`);
  const setup = await setUp(http, fake, flows);
  const setup5xx = http.phase.responses5xx;
  const setupTransport = http.phase.transportErrors;

  await server.reset();
  const postgresCpuBefore = postgresCpuMs();
  const latencies: number[] = [];
  const failures: string[] = [];
  let next = 0;
  const started = performance.now();
  await pool(setup.logins.length, concurrency, async () => {
    const login = setup.logins[next++];
    const t0 = performance.now();
    try {
      await secondFactor(http, fake, login);
    } catch (error) {
      failures.push((error as Error).message);
    }
    latencies.push(performance.now() - t0);
  });
  const wall = (performance.now() - started) / 1000;
  // Work a request starts after answering (e.g. outbox bookkeeping) still belongs to it.
  await sleep(250);
  const stats = await server.stats();
  const postgresCpuAfter = postgresCpuMs();
  const n = Math.max(1, latencies.length);
  const result: FlowPhaseResult = {
    concurrency,
    flows: latencies.length,
    failures: failures.length,
    setup_failures: setup.failures.length,
    wall_s: round(wall, 2),
    flows_per_s: round(latencies.length / wall),
    p50_ms: round(percentile(latencies, 50)),
    p99_ms: round(percentile(latencies, 99)),
    // Everything the server sent during the phase: background work (the outbox worker picking up
    // messages the request has not sent yet) is caused by the flows too.
    statements_per_flow: round((stats.statements + stats.backgroundStatements) / n),
    tx_control_per_flow: round((stats.transactionControl + stats.backgroundTransactionControl) / n),
    background_statements: stats.backgroundStatements + stats.backgroundTransactionControl,
    responses_5xx: http.phase.responses5xx,
    transport_errors: http.phase.transportErrors,
    rss_mib: round(stats.rss / 2 ** 20),
    server_cpu_ms_per_flow: round(stats.cpuMicros / 1000 / n, 2),
    postgres_cpu_ms_per_flow: postgresCpuBefore === null || postgresCpuAfter === null ? null : round((postgresCpuAfter - postgresCpuBefore) / n, 2),
    sql_errors: stats.errors,
    failure_samples: samples([...setup.failures.map((f) => `set-up: ${f}`), ...failures]),
  };
  if (setup5xx > 0 || setupTransport > 0) result.failure_samples.push(`set-up saw ${setup5xx} 5xx and ${setupTransport} transport errors (included above)`);
  return result;
}

/** The measured flow: start the SMS challenge, read the code at the fake, verify it. */
async function secondFactor(http: Http, fake: FakeVonage, login: PendingLogin): Promise<void> {
  const headers = { ...login.headers, authorization: `Bearer ${login.mfaToken}` };
  const sent = fake.countTo(login.phone);
  const challenge = expectStatus(await http.post('/auth/mfa/challenges', { factorId: login.factorId }, headers), 'challenge', 200, 201);
  const sms = await fake.waitFor(login.phone, sent + 1, SMS_TIMEOUT_MS);
  const verified = expectStatus(await http.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: sms.code }, headers), 'verify', 200);
  if (!verified?.accessToken) throw new Error(`verify: no access token in ${JSON.stringify(verified).slice(0, 120)}`);
}

interface BurstResult {
  challenges: number;
  /** First request sent → last code received at the fake; null when some code never came. */
  all_delivered_ms: number | null;
  delivered: number;
  failures: number;
  setup_failures: number;
  responses_5xx: number;
  rss_mib: number;
  failure_samples: string[];
}

async function burst(http: Http, fake: FakeVonage, server: ServerProcess, count: number): Promise<BurstResult> {
  http.phase = newTally();
  console.log(`\nburst: setting up ${count} users (not measured)…`);
  const setup = await setUp(http, fake, count);
  const failures: string[] = [];
  const sentBefore = setup.logins.map((l) => fake.countTo(l.phone));
  const started = performance.now();
  const challenges = setup.logins.map((l) =>
    http.post('/auth/mfa/challenges', { factorId: l.factorId }, { ...l.headers, authorization: `Bearer ${l.mfaToken}` }).then((r) => expectStatus(r, 'challenge', 200, 201)),
  );
  const codes = setup.logins.map((l, i) => fake.waitFor(l.phone, sentBefore[i] + 1, SMS_TIMEOUT_MS));
  const [started_, arrived] = await Promise.all([Promise.allSettled(challenges), Promise.allSettled(codes)]);
  const delivered = arrived.filter((a) => a.status === 'fulfilled').map((a) => a.value.at);
  for (const r of [...started_, ...arrived]) if (r.status === 'rejected') failures.push((r.reason as Error).message);
  const allDelivered = delivered.length === setup.logins.length && setup.logins.length === count;

  // Not timed: the codes must also work, or a fast burst proves nothing.
  await Promise.all(
    setup.logins.map(async (l, i) => {
      const c = started_[i];
      const s = arrived[i];
      if (c.status !== 'fulfilled' || s.status !== 'fulfilled') return;
      try {
        const headers = { ...l.headers, authorization: `Bearer ${l.mfaToken}` };
        expectStatus(await http.post('/auth/mfa/verify', { challengeId: c.value.challengeId, code: s.value.code }, headers), 'verify after the burst (untimed)', 200);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }),
  );
  const stats = await server.stats();
  return {
    challenges: setup.logins.length,
    all_delivered_ms: allDelivered ? round(Math.max(...delivered) - started) : null,
    delivered: delivered.length,
    failures: failures.length,
    setup_failures: setup.failures.length,
    responses_5xx: http.phase.responses5xx,
    rss_mib: round(stats.rss / 2 ** 20),
    failure_samples: samples([...setup.failures.map((f) => `set-up: ${f}`), ...failures]),
  };
}

// ---------------------------------------------------------------- main

interface GoalRow {
  goal: string;
  target: string;
  actual: string;
  met: boolean;
}

async function main(): Promise<number> {
  const fake = await FakeVonage.start();
  cleanups.push(() => fake.close());
  const database = await openDatabase();
  console.log(`database: ${database.where} (${new URL(database.url).pathname.slice(1)})`);
  const server = await startServer(database.url, fake);
  console.log(`server: ${server.base} (log: ${server.logPath})`);
  const http = new Http(server.base);

  console.log('\nlogin timing: unknown email vs wrong password…');
  await server.reset();
  http.phase = newTally();
  const timing = await loginTiming(http);
  const timing5xx = http.phase.responses5xx;
  // The counter must see the server's queries, or every statement figure below would be a silent zero.
  const probe = await server.stats();

  // What the server runs on its own (outbox worker, policy refresh), to read the per-flow figures against.
  await server.reset();
  await sleep(IDLE_WINDOW_MS);
  const idle = await server.stats();
  const idlePerSecond = round(((idle.statements + idle.backgroundStatements + idle.transactionControl + idle.backgroundTransactionControl) * 1000) / IDLE_WINDOW_MS);
  if (probe.statements === 0) throw new Error('the statement counter saw no SQL during the logins: the preload is not patching the pg the server uses');

  const phases: FlowPhaseResult[] = [];
  for (const { concurrency, flows } of PHASES) phases.push(await flowPhase(http, fake, server, concurrency, flows));
  const burstResult = await burst(http, fake, server, BURST);

  const log5xx = (() => {
    try {
      return (readFileSync(server.logPath, 'utf8').match(/"statusCode":5\d\d/g) ?? []).length;
    } catch {
      return null;
    }
  })();

  // ---- report
  console.log('\n' + table(['phase', 'flows', 'failed', 'flows/s', 'p50 ms', 'p99 ms', 'stmts/flow', 'tx/flow', '5xx', 'RSS MiB', 'CPU ms/flow'], [
    ...phases.map((p) => [
      `${p.concurrency} concurrent`,
      p.flows,
      p.failures + p.setup_failures,
      p.flows_per_s,
      p.p50_ms,
      p.p99_ms,
      p.statements_per_flow,
      p.tx_control_per_flow,
      p.responses_5xx,
      p.rss_mib,
      p.postgres_cpu_ms_per_flow === null ? String(p.server_cpu_ms_per_flow) : `${p.server_cpu_ms_per_flow} + pg ${p.postgres_cpu_ms_per_flow}`,
    ]),
  ]));
  console.log('CPU ms/flow: the server process, and the local Postgres server (all its processes, so other load on it counts too)');
  console.log(`\nidle server: ${idlePerSecond} statements/s of its own (included in the per-flow figures)`);
  console.log(`login timing: unknown email ${timing.unknown_email_median_ms} ms, wrong password ${timing.wrong_password_median_ms} ms (medians of ${timing.samples}), ratio ${timing.ratio}`);
  console.log(`SMS burst: ${burstResult.delivered}/${BURST} codes delivered, all within ${burstResult.all_delivered_ms ?? '—'} ms`);
  console.log(`5xx responses received: ${http.total.responses5xx} of ${http.total.requests} requests (server log counts ${log5xx ?? '?'}); transport errors: ${http.total.transportErrors}`);
  for (const p of phases) {
    if (Object.keys(p.sql_errors).length > 0) console.log(`SQL errors at ${p.concurrency} concurrent (SQLSTATE: count): ${JSON.stringify(p.sql_errors)}`);
    for (const f of p.failure_samples) console.log(`  ${p.concurrency} concurrent failure: ${f}`);
  }
  for (const f of burstResult.failure_samples) console.log(`  burst failure: ${f}`);

  const at50 = phases.find((p) => p.concurrency === 50);
  const failed = phases.reduce((s, p) => s + p.failures + p.setup_failures, 0) + burstResult.failures + burstResult.setup_failures;
  const maxStatements = Math.max(...phases.map((p) => p.statements_per_flow));
  const maxRss = Math.max(...phases.map((p) => p.rss_mib), burstResult.rss_mib);
  const timingValid = Object.keys(timing.unexpected_statuses).length === 0;
  const goals: GoalRow[] = [
    { goal: 'failed flows (incl. set-up and burst)', target: `= ${GOALS.failedFlows}`, actual: String(failed), met: failed <= GOALS.failedFlows },
    { goal: '5xx responses (whole run)', target: `= ${GOALS.responses5xx}`, actual: String(http.total.responses5xx), met: http.total.responses5xx <= GOALS.responses5xx && http.total.transportErrors === 0 },
    { goal: 'p99 at 50 concurrent (ms)', target: `≤ ${GOALS.p99At50Ms}`, actual: String(at50?.p99_ms ?? '—'), met: at50 !== undefined && at50.p99_ms <= GOALS.p99At50Ms },
    { goal: 'statements per flow, excl. BEGIN/COMMIT', target: `≤ ${GOALS.statementsPerFlow}`, actual: String(maxStatements), met: maxStatements <= GOALS.statementsPerFlow },
    { goal: 'server RSS after each phase (MiB)', target: `≤ ${GOALS.rssMiB}`, actual: String(maxRss), met: maxRss <= GOALS.rssMiB },
    {
      goal: 'login timing ratio unknown/wrong',
      target: `${GOALS.timingRatioMin}–${GOALS.timingRatioMax}`,
      actual: timingValid ? String(timing.ratio) : `${timing.ratio} (invalid: statuses ${JSON.stringify(timing.unexpected_statuses)})`,
      met: timingValid && timing.ratio >= GOALS.timingRatioMin && timing.ratio <= GOALS.timingRatioMax,
    },
    { goal: 'SMS burst of 50, all codes delivered (ms)', target: `≤ ${GOALS.burstMs}`, actual: String(burstResult.all_delivered_ms ?? `only ${burstResult.delivered}/${BURST}`), met: burstResult.all_delivered_ms !== null && burstResult.all_delivered_ms <= GOALS.burstMs },
  ];
  console.log('\n' + table(['goal', 'target', 'actual', 'met'], goals.map((g) => [g.goal, g.target, g.actual, g.met ? 'yes' : 'NO'])));
  const missed = goals.filter((g) => !g.met);
  console.log(missed.length === 0 ? '\nAll benchmark goals met.' : `\n${missed.length} goal(s) missed.`);
  console.log(
    JSON.stringify({
      bench: 'sesame-login',
      at: new Date().toISOString(),
      node: process.version,
      database: database.where,
      goals: GOALS,
      met: missed.length === 0,
      missed: missed.map((g) => g.goal),
      timing: { ...timing, responses_5xx: timing5xx },
      idle_statements_per_s: idlePerSecond,
      phases: phases.map(({ failure_samples: _f, ...p }) => p),
      burst: (({ failure_samples: _f, ...b }) => b)(burstResult),
      requests: http.total.requests,
      responses_5xx: http.total.responses5xx,
      transport_errors: http.total.transportErrors,
      server_log_5xx: log5xx,
    }),
  );
  return missed.length === 0 ? 0 : 1;
}

// ---------------------------------------------------------------- helpers

async function pool(count: number, concurrency: number, task: () => Promise<void>): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (started < count) {
        started++;
        await task();
      }
    }),
  );
}

/** Clock ticks a second, for the CPU times in /proc (almost always 100). */
let clockTicks: number | undefined;

/**
 * CPU time used so far by every process named `postgres` on this machine, in
 * ms (Linux's /proc; null elsewhere or when there is none). Backends that
 * exited during a phase take their time with them, which the warm pool makes rare.
 */
function postgresCpuMs(): number | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  let ticks = 0;
  let found = false;
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      found = true;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return found ? (ticks * 1000) / clockTicks : null;
}

/** Nearest-rank percentile. */
function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function samples(messages: string[], max = 5): string[] {
  const counts = new Map<string, number>();
  // Numbers and ids differ per user; without them, alike failures group together.
  for (const m of messages.map((x) => x.replace(/\+?\d{6,}|[0-9a-f]{8}-[0-9a-f-]{27}/gi, '…'))) counts.set(m, (counts.get(m) ?? 0) + 1);
  return [...counts].slice(0, max).map(([m, n]) => (n > 1 ? `${m} (×${n})` : m));
}

function table(head: string[], rows: Array<Array<string | number>>): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let exitCode: number;
try {
  exitCode = await main();
} catch (error) {
  console.error(`\nbenchmark aborted: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 2;
} finally {
  await cleanUp();
}
process.exit(exitCode);
