import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { routeInventory } from '../support/route-inventory.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { startAppThread, type AppThread } from './app-thread.js';
import { Identities } from './identities.js';
import { operationsOf } from './operations.js';
import { formatReport, runFuzz, type FuzzOptions, type Target } from './runner.js';

/**
 * The schema-driven fuzzer (`npm run fuzz`): every operation of /docs-json
 * (and the routes the document leaves out), valid requests built from the
 * request schemas and the DTOs, then mutated — wrong types, missing and extra
 * fields, boundary lengths, unicode and control characters, lone surrogates,
 * NUL, huge numbers, broken ids, malformed and forged tokens — and sent with
 * each kind of token. It fails on any 5xx and on any error that is not
 * problem+json with a code.
 *
 *   FUZZ_REQUESTS  how many requests (default 50000)
 *   FUZZ_SEED      the seed; printed, so a run can be repeated (default: random)
 *   FUZZ_CONCURRENCY  requests in flight (default 12)
 *   FUZZ_APP_THREADS  more instances of the app on worker threads, sharing
 *                  the database and keys (default 1: the in-process app and
 *                  the fuzzer share one thread, so a second instance puts
 *                  another core to work)
 *   FUZZ_TIME_LIMIT_SECONDS  the run stops here, and fails if it sent fewer
 *                  requests than asked (default 300)
 *   FUZZ_REPORT    also write the report as JSON to this file
 *
 * The same seed sends the same requests; the ids and tokens in them come from
 * the run itself, so the server's answers can still differ between runs.
 */
const options: FuzzOptions = {
  requests: positive('FUZZ_REQUESTS', 50_000),
  seed: process.env.FUZZ_SEED ? positive('FUZZ_SEED', 0) : Math.floor(Math.random() * 2 ** 31),
  concurrency: positive('FUZZ_CONCURRENCY', 12),
  rotateEvery: 2_000,
  timeLimitMs: positive('FUZZ_TIME_LIMIT_SECONDS', 300) * 1000,
  receiptSecret: 'fuzz-receipt-secret',
};

const appThreads = count('FUZZ_APP_THREADS', 1, 0);

function positive(name: string, fallback: number): number {
  return count(name, fallback, 1);
}

function count(name: string, fallback: number, min: number): number {
  const value = process.env[name];
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer of at least ${min}`);
  return n;
}

const RATE_LIMIT_SCALE = 10;

describe('fuzzing every operation', () => {
  let t: TestApp;
  const threads: AppThread[] = [];
  beforeAll(async () => {
    const env = {
      // Only error lines are read (a 5xx's server side); a line per 4xx would cost every instance CPU for nothing.
      LOG_LEVEL: 'error',
      // Requests come from many documentation addresses (X-Forwarded-For), so the per-IP limits answer some, not most.
      TRUST_PROXY: 'true',
      SMS_PROVIDER: 'console',
      SMS_HOURLY_BUDGET: '10000000',
      VONAGE_SIGNATURE_SECRET: options.receiptSecret,
      // Given, not generated, so that every instance signs and verifies with the same keys.
      JWT_PRIVATE_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      APP_SECRET: randomBytes(32).toString('base64url'),
    };
    t = await startTestApp({ env, overrides: { rateLimitScale: RATE_LIMIT_SCALE } });
    for (let i = 0; i < appThreads; i++) {
      threads.push(await startAppThread({ env: { NODE_ENV: 'test', ...env }, databaseUrl: t.databaseUrl, rateLimitScale: RATE_LIMIT_SCALE }));
    }
  }, 60_000);
  afterAll(async () => {
    for (const thread of threads) await thread.close();
    await t?.close();
  });

  it(
    'answers every request with a success or a 4xx problem+json with a code, never a 5xx',
    async () => {
      const doc = await t.get('/docs-json');
      expect(doc.status).toBe(200);
      const ops = operationsOf(doc.body, routeInventory(t.app));
      const targets: Target[] = [{ url: t.url, errorLogs: async () => t.logs }, ...threads];
      const report = await runFuzz(t, targets, ops, new Identities(t), options);
      process.stdout.write(formatReport(report, options));
      if (process.env.FUZZ_REPORT) writeFileSync(process.env.FUZZ_REPORT, JSON.stringify(report, null, 2));
      expect(report.failures).toEqual([]);
      expect(report.sent).toBe(options.requests);
    },
    options.timeLimitMs + 60_000,
  );
});
