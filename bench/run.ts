/**
 * Benchmarks with goals: `npm run bench`. Runs the real app in-process
 * against Postgres (DATABASE_URL, or a throwaway embedded cluster) with an
 * in-memory SMS sender, drives it over loopback HTTP, prints the figures and
 * exits non-zero when a goal is missed.
 *
 * Goals:
 *  - unknown-email and wrong-password logins take comparable time
 *    (median ratio within 0.8–1.25), so timing reveals no accounts;
 *  - a complete SMS login (password → challenge → verify) at 8 concurrent
 *    clients has p95 under 1 s on the reference machine (2 cores);
 *  - resident memory stays under 400 MiB after the run.
 */
import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/bootstrap.js';
import { loadConfig } from '../src/config/app-config.js';
import { resolveKeys } from '../src/config/keys.js';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { SmsSender, type OutgoingSms, type SmsSendResult } from '../src/sms/sms-sender.js';

class MemorySmsSender extends SmsSender {
  readonly provider = 'memory';
  readonly last = new Map<string, string>();
  async send(sms: OutgoingSms): Promise<SmsSendResult> {
    const code = /#(\d+)\s*$/.exec(sms.text)?.[1];
    if (code) this.last.set(sms.to, code);
    return { ok: true, providerMessageId: sms.reference };
  }
}

async function main(): Promise<void> {
  let stopDb: () => Promise<void>;
  let databaseUrl = process.env.DATABASE_URL;
  let dir: string | null = null;
  if (!databaseUrl) {
    dir = await mkdtemp(join(tmpdir(), 'sesame-bench-'));
    const db = await startEmbeddedPostgres({ dir, persistent: false });
    databaseUrl = db.url;
    stopDb = () => db.stop();
  } else {
    // Its own database on the given server, dropped afterwards.
    const pg = await import('pg');
    const name = `sesame_bench_${Date.now()}`;
    const admin = new pg.default.Client(databaseUrl);
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(databaseUrl);
    const adminUrl = databaseUrl;
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    stopDb = async () => {
      const c = new pg.default.Client(adminUrl);
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  const sender = new MemorySmsSender();
  const app = await createApp({ config, keys: await resolveKeys(config), databaseUrl, smsSender: sender, rateLimitScale: 1000, smsWorkerIntervalMs: 0 });
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };
  const failures: string[] = [];
  try {
    // Users with an SMS factor.
    const users: Array<{ email: string; phone: string }> = [];
    for (let i = 0; i < 64; i++) {
      const email = `bench${i}@example.com`;
      const phone = `+4474009${String(10000 + i).slice(-5)}`;
      await post('/auth/register', { email, password: 'correct horse battery' });
      const login = await post('/auth/login', { email, password: 'correct horse battery' });
      const enrol = await post('/me/mfa/factors/sms', { phone }, login.body.accessToken);
      await post(`/me/mfa/factors/${enrol.body.factorId}/activate`, { challengeId: enrol.body.challengeId, code: sender.last.get(phone) }, login.body.accessToken);
      users.push({ email, phone });
    }

    // 1. Login timing: unknown email vs wrong password, interleaved.
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 60; i++) {
      unknown.push(await timed(() => post('/auth/login', { email: `ghost${i}@example.com`, password: 'not the password' })));
      wrong.push(await timed(() => post('/auth/login', { email: users[i % users.length].email, password: 'not the password' })));
    }
    const ratio = median(unknown) / median(wrong);
    report('login, unknown email (median ms)', median(unknown));
    report('login, wrong password (median ms)', median(wrong));
    report('timing ratio unknown/wrong', ratio);
    if (ratio < 0.8 || ratio > 1.25) failures.push(`timing ratio ${ratio.toFixed(2)} outside 0.8–1.25`);

    // 2. Complete SMS logins at 8 concurrent clients.
    const latencies: number[] = [];
    const started = performance.now();
    let next = 0;
    const rounds = 160;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < rounds) {
          const user = users[next++ % users.length];
          latencies.push(
            await timed(async () => {
              const login = await post('/auth/login', { email: user.email, password: 'correct horse battery' });
              const challenge = await post('/auth/mfa/challenges', { factorId: login.body.factors[0].id }, login.body.mfaToken);
              const verify = await post('/auth/mfa/verify', { challengeId: challenge.body.challengeId, code: sender.last.get(user.phone) }, login.body.mfaToken);
              if (verify.status !== 200) failures.push(`verify answered ${verify.status} ${JSON.stringify(verify.body)}`);
            }),
          );
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    report('SMS logins completed', latencies.length);
    report('SMS logins per second (8 clients)', latencies.length / seconds);
    report('SMS login p50 (ms)', percentile(latencies, 50));
    report('SMS login p95 (ms)', percentile(latencies, 95));
    if (percentile(latencies, 95) > 1000) failures.push(`SMS login p95 ${percentile(latencies, 95).toFixed(0)} ms > 1000 ms`);

    const rssMiB = process.memoryUsage().rss / 1024 / 1024;
    report('resident memory after the run (MiB)', rssMiB);
    if (rssMiB > 400) failures.push(`RSS ${rssMiB.toFixed(0)} MiB > 400 MiB`);
  } finally {
    await app.close();
    await stopDb();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.error(`\nGoals missed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
    process.exit(1);
  }
  console.log('\nAll benchmark goals met.');
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

function median(values: number[]): number {
  return percentile(values, 50);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function report(label: string, value: number): void {
  console.log(`${label.padEnd(40)} ${Number.isInteger(value) ? value : value.toFixed(2)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
