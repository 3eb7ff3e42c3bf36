/**
 * Two instances, one database, one Redis: `npm run build && node dist/bench/two-instances.js`.
 *
 * Starts two production servers on the machine's Postgres (a fresh database)
 * and Redis, sets up users with an SMS factor, then starts CHALLENGES
 * challenges and answers each with VERIFIES parallel verifies of the right
 * code, spread over both instances, with IN_FLIGHT requests at a time. Every
 * challenge must get exactly one 200 and nothing may answer 5xx; prints the
 * counts and the verify latency percentiles as one JSON line, and exits
 * non-zero when either rule is broken.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { FakeVonage } from './fake-vonage.js';

const CHALLENGES = Number(process.env.CHALLENGES ?? 1000);
const VERIFIES = Number(process.env.VERIFIES ?? 10);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 200);
const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The per-user and per-number caps are 10 codes an hour: the enrolment's code and 9 challenges per user. */
const CHALLENGES_PER_USER = 9;
const PASSWORD = 'Bench-password-123';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

async function main(): Promise<void> {
  const name = `sesame_two_${Date.now()}`;
  const admin = new pg.Client(`${PG_URL}/postgres`);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const fake = await FakeVonage.start();
  const children: ChildProcess[] = [];
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const shared = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    DATABASE_URL: `${PG_URL}/${name}`,
    REDIS_URL,
    APP_SECRET: randomBytes(48).toString('base64'),
    JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    SMS_PROVIDER: 'vonage',
    VONAGE_API_KEY: 'bench',
    VONAGE_API_SECRET: 'bench-secret',
    VONAGE_FROM: 'Sesame',
    VONAGE_REST_HOST: fake.url,
    SMTP_URL: 'smtp://127.0.0.1:2525',
    MAIL_FROM: 'Sesame <no-reply@example.com>',
    SMS_HOURLY_BUDGET: '1000000',
    TRUST_PROXY: 'true',
    LOG_LEVEL: 'warn',
    WEBOTP_DOMAIN: 'sesame.test',
    WEB_CONCURRENCY: '1',
  };
  try {
    const bases: string[] = [];
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      // The second instance starts once the first has migrated the database.
      const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'src', 'main.js')], { env: { ...shared, PORT: String(port) }, stdio: 'ignore' });
      children.push(child);
      const base = `http://127.0.0.1:${port}`;
      for (let t = 0; t < 200; t++) {
        if (child.exitCode !== null) throw new Error(`instance ${i} exited with ${child.exitCode}`);
        try {
          if ((await fetch(`${base}/health/ready`)).ok) break;
        } catch {
          // not up yet
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      bases.push(base);
    }

    let ipCounter = 0;
    const ip = () => {
      ipCounter++;
      // Client addresses in X-Forwarded-For only (the benchmarking range); every request goes to loopback.
      return `198.${18 + ((ipCounter >> 16) & 1)}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
    };
    const post = async (base: string, path: string, body: unknown, token?: string) => {
      const res = await fetch(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip(), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };

    // Set-up (not measured): users with an active SMS factor, and one password login per challenge.
    const users = Array.from({ length: Math.ceil(CHALLENGES / CHALLENGES_PER_USER) }, (_, i) => ({
      email: `two${i}-${Date.now()}@bench.test`,
      phone: `+447400${String(500000 + i).padStart(6, '0')}`,
    }));
    const logins: Array<{ phone: string; mfaToken: string; factorId: string; base: string }> = [];
    await pool(users, 8, async (user) => {
      const base = bases[0]!;
      await post(base, '/auth/register', { email: user.email, password: PASSWORD });
      const login = await post(base, '/auth/login', { email: user.email, password: PASSWORD });
      const n = fake.countTo(user.phone);
      const enrol = await post(base, '/me/mfa/factors/sms', { phone: user.phone }, login.body.accessToken);
      const sms = await fake.waitFor(user.phone, n + 1);
      await post(base, `/me/mfa/factors/${enrol.body.factorId}/activate`, { challengeId: enrol.body.challengeId, code: sms.code }, login.body.accessToken);
      for (let k = 0; k < CHALLENGES_PER_USER && logins.length < CHALLENGES; k++) {
        const m = await post(base, '/auth/login', { email: user.email, password: PASSWORD });
        logins.push({ phone: user.phone, mfaToken: m.body.mfaToken, factorId: m.body.factors[0].id, base: bases[logins.length % 2]! });
      }
    });

    // Measured: each challenge answered by VERIFIES parallel verifies, alternating instances.
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    let challengesWithOne200 = 0;
    let fiveHundreds = 0;
    const started = performance.now();
    // Codes arrive in order per phone, so one user's challenges run one after another.
    const byPhone = new Map<string, typeof logins>();
    for (const l of logins) byPhone.set(l.phone, [...(byPhone.get(l.phone) ?? []), l]);
    const perChallengeWidth = Math.max(1, Math.floor(IN_FLIGHT / VERIFIES));
    await pool([...byPhone.values()], perChallengeWidth, async (queue) => {
      for (const l of queue) {
        const n = fake.countTo(l.phone);
        const challenge = await post(l.base, '/auth/mfa/challenges', { factorId: l.factorId }, l.mfaToken);
        const sms = await fake.waitFor(l.phone, n + 1);
        const results = await Promise.all(
          Array.from({ length: VERIFIES }, async (_, v) => {
            const t0 = performance.now();
            const res = await post(bases[v % 2]!, '/auth/mfa/verify', { challengeId: challenge.body.challengeId, code: sms.code }, l.mfaToken);
            latencies.push(performance.now() - t0);
            return res.status;
          }),
        );
        for (const s of results) statuses[s] = (statuses[s] ?? 0) + 1;
        if (results.filter((s) => s === 200).length === 1) challengesWithOne200++;
        fiveHundreds += results.filter((s) => s >= 500).length;
      }
    });
    const wall = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const q = (x: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(x * latencies.length))]!);
    const ok = challengesWithOne200 === logins.length && fiveHundreds === 0;
    console.log(
      JSON.stringify({
        challenges: logins.length,
        verifiesPerChallenge: VERIFIES,
        inFlight: perChallengeWidth * VERIFIES,
        challengesWithExactlyOne200: challengesWithOne200,
        responses5xx: fiveHundreds,
        statuses,
        wall_s: +wall.toFixed(1),
        verify_p50_ms: q(0.5),
        verify_p99_ms: q(0.99),
        ok,
      }),
    );
    if (!ok) process.exitCode = 1;
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    await fake.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
