import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/database/embedded-postgres.js';
import { FakeVonageServer } from '../fakes/fake-vonage-server.js';
import { createTestDatabase } from '../support/test-database.js';

/**
 * Issue 9: the process is killed (SIGKILL, a real child process running the
 * built server in production mode) while codes are in flight to Vonage. Each
 * challenge's code still reaches its phone within 10 s of the restart, the
 * newest code works, and a code Sesame itself made stale (the SMS the
 * platform took before the crash, replaced after it) costs the user nothing.
 */

const ROOT = resolve(__dirname, '../..');
const ENTRY = join(ROOT, 'dist/src/main.js');
const USERS = 4;
const DELIVERY_BUDGET_MS = 10_000;
const PASSWORD = 'correct horse battery';

interface Server {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<void>;
}

const children = new Set<ChildProcess>();
// Nothing survives the test process, whatever happens to the test.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The newest modification time of the sources the build compiles. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** dist/ as `npm run build` makes it, rebuilt when a source is newer than it. */
function ensureBuilt(): void {
  const built = (() => {
    try {
      return statSync(ENTRY).mtimeMs;
    } catch {
      return 0;
    }
  })();
  if (built > Math.max(newestSource(join(ROOT, 'src')), newestSource(join(ROOT, 'migrations')))) return;
  const run = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`npm run build failed:\n${run.stdout}\n${run.stderr}`);
}

describe('a crash while codes are being sent', () => {
  let databaseUrl: string;
  let dropDatabase: () => Promise<void>;
  let db: pg.Pool;
  let vonage: FakeVonageServer;
  let env: NodeJS.ProcessEnv;
  let port: number;

  async function startServer(): Promise<Server> {
    const child = spawn(process.execPath, [ENTRY], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-20_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const exited = new Promise<void>((r) => child.once('exit', () => (children.delete(child), r())));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`the server exited at start:\n${output}`);
      const ready = await fetch(`${url}/health/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return { child, url, output: () => output, exited };
      if (Date.now() > deadline) throw new Error(`the server did not become ready:\n${output}`);
      await sleep(50);
    }
  }

  async function stopServer(server: Server, signal: NodeJS.Signals): Promise<void> {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return;
    server.child.kill(signal);
    const timer = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
    await server.exited;
    clearTimeout(timer);
  }

  /** JSON over HTTP from the client's own address (TRUST_PROXY), so per-IP limits are per user as in real life. */
  async function call(server: Server, path: string, body: unknown, opts: { token?: string; ip: string }) {
    const res = await fetch(server.url + path, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-forwarded-for': opts.ip,
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
  }

  beforeAll(async () => {
    ensureBuilt();
    ({ url: databaseUrl, drop: dropDatabase } = await createTestDatabase());
    db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    vonage = await FakeVonageServer.start();
    port = await freePort();
    const jwtKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    env = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      APP_SECRET: randomBytes(48).toString('base64'),
      JWT_PRIVATE_KEY: String(jwtKey),
      SMS_PROVIDER: 'vonage',
      VONAGE_API_KEY: vonage.apiKey,
      VONAGE_API_SECRET: vonage.apiSecret,
      VONAGE_FROM: 'Sesame',
      // Plain http is allowed in production only to this machine.
      VONAGE_REST_HOST: vonage.url,
      SMTP_URL: 'smtp://127.0.0.1:2525',
      MAIL_FROM: 'Sesame <no-reply@example.com>',
      WEBOTP_DOMAIN: 'auth.example.com',
      METRICS_TOKEN: randomBytes(24).toString('hex'),
      TRUST_PROXY: 'true',
      WEB_CONCURRENCY: '1',
      LOG_LEVEL: 'warn',
    };
  }, 120_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await db?.end();
    await vonage?.close();
    await dropDatabase?.();
  });

  it('delivers every in-flight code within 10 s of a restart after SIGKILL, and a code made stale costs no attempt', async () => {
    let server = await startServer();
    try {
      // Users with an active phone, enrolled while Vonage answers normally.
      const users: Array<{
        email: string;
        phone: string;
        ip: string;
        userId: string;
        mfaToken?: string;
        factorId?: string;
      }> = [];
      for (let i = 0; i < USERS; i++) {
        const user = {
          email: `crash-${i}@example.com`,
          phone: `+4474002${10001 + i}`,
          ip: `203.0.113.${10 + i}`,
          userId: '',
        };
        const reg = await call(server, '/auth/register', { email: user.email, password: PASSWORD }, { ip: user.ip });
        expect(reg.status).toBe(201);
        user.userId = reg.body.id;
        const login = await call(server, '/auth/login', { email: user.email, password: PASSWORD }, { ip: user.ip });
        const enrol = await call(
          server,
          '/me/mfa/factors/sms',
          { phone: user.phone },
          { ip: user.ip, token: login.body.accessToken },
        );
        expect(enrol.status).toBe(201);
        const code = vonage.codesSentTo(user.phone).at(-1);
        const activate = await call(
          server,
          `/me/mfa/factors/${enrol.body.factorId}/activate`,
          { challengeId: enrol.body.challengeId, code },
          { ip: user.ip, token: login.body.accessToken },
        );
        expect(activate.status).toBe(200);
        users.push(user);
      }

      // Password logins, up to the second factor.
      for (const user of users) {
        const login = await call(server, '/auth/login', { email: user.email, password: PASSWORD }, { ip: user.ip });
        expect(login.body.status).toBe('mfa_required');
        user.mfaToken = login.body.mfaToken;
        user.factorId = login.body.factors[0].id;
      }
      const codesBefore = new Map(users.map((u) => [u.phone, vonage.codesSentTo(u.phone).length]));

      // Vonage stops answering: half of the messages it takes (the phone gets that code), half it never sends.
      vonage.failNext('hang', USERS / 2, { accept: true });
      vonage.failNext('hang', USERS / 2, { accept: false });
      const inFlight = users.map((u) =>
        call(server, '/auth/mfa/challenges', { factorId: u.factorId }, { ip: u.ip, token: u.mfaToken }).catch(
          () => null,
        ),
      );
      for (let waited = 0; vonage.hanging().now < USERS; waited += 20) {
        if (waited > 10_000) throw new Error(`only ${vonage.hanging().now} of ${USERS} sends reached Vonage`);
        await sleep(20);
      }
      const { rows: pending } = await db.query(
        `SELECT c.id, c.user_id, c.max_attempts, m.status FROM sms_challenges c JOIN sms_messages m ON m.challenge_id = c.id
          WHERE c.purpose = 'login'`,
      );
      expect(pending.map((r) => r.status)).toEqual(Array(USERS).fill('sending'));
      const challengeOf = new Map(pending.map((r) => [r.user_id as string, r as { id: string; max_attempts: number }]));

      // The crash: no shutdown, no chance to finish or hand anything over.
      server.child.kill('SIGKILL');
      await server.exited;
      await Promise.all(inFlight);
      const staleCodes = new Map(
        users.map((u) => [u.phone, vonage.codesSentTo(u.phone).slice(codesBefore.get(u.phone))]),
      );
      expect([...staleCodes.values()].filter((codes) => codes.length === 1).length).toBe(USERS / 2);

      // Vonage answers again; a new process starts on the same database.
      const restartedAt = Date.now();
      server = await startServer();
      const deliveredAfter = new Map<string, number>();
      while (deliveredAfter.size < USERS && Date.now() - restartedAt < DELIVERY_BUDGET_MS + 5_000) {
        for (const u of users) {
          if (
            !deliveredAfter.has(u.phone) &&
            vonage.codesSentTo(u.phone).length > codesBefore.get(u.phone)! + staleCodes.get(u.phone)!.length
          ) {
            deliveredAfter.set(u.phone, Date.now() - restartedAt);
          }
        }
        await sleep(50);
      }
      const late = users.filter((u) => !(deliveredAfter.get(u.phone)! <= DELIVERY_BUDGET_MS));
      expect(late.map((u) => `${u.phone}: ${deliveredAfter.get(u.phone) ?? 'never'} ms after the restart`)).toEqual([]);

      for (const user of users) {
        const challenge = challengeOf.get(user.userId)!;
        const [stale] = staleCodes.get(user.phone)!;
        const newest = vonage.codesSentTo(user.phone).at(-1)!;
        expect(newest).not.toBe(stale);
        if (stale) {
          // The SMS the platform took before the crash: refused, but the attempt is given back.
          const refused = await call(
            server,
            '/auth/mfa/verify',
            { challengeId: challenge.id, code: stale },
            { ip: user.ip, token: user.mfaToken },
          );
          expect(refused.status).toBe(401);
          expect(refused.body).toMatchObject({ code: 'MFA_INVALID_CODE', attemptsRemaining: challenge.max_attempts });
          const { rows } = await db.query(`SELECT attempts FROM sms_challenges WHERE id = $1`, [challenge.id]);
          expect(rows[0].attempts).toBe(0);
        }
        const verified = await call(
          server,
          '/auth/mfa/verify',
          { challengeId: challenge.id, code: newest },
          { ip: user.ip, token: user.mfaToken },
        );
        expect(verified.status).toBe(200);
        expect(verified.body.status).toBe('authenticated');
      }

      // One fresh code per challenge, not one per worker pass; every outbox row settled.
      for (const user of users) {
        expect(vonage.codesSentTo(user.phone).length).toBe(
          codesBefore.get(user.phone)! + staleCodes.get(user.phone)!.length + 1,
        );
      }
      const { rows: outbox } = await db.query(
        `SELECT m.status, m.attempts FROM sms_messages m JOIN sms_challenges c ON c.id = m.challenge_id WHERE c.purpose = 'login'`,
      );
      expect(outbox).toEqual(Array(USERS).fill({ status: 'sent', attempts: 2 }));
      process.stdout.write(
        `crash while sending: delivered ${JSON.stringify(Object.fromEntries(deliveredAfter))} ms after the restart\n`,
      );
    } finally {
      await stopServer(server, 'SIGTERM');
    }
  }, 60_000);
});
