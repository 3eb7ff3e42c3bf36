import { writeFileSync } from 'node:fs';
import { routeInventory } from '../support/route-inventory.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { Identities } from './identities.js';
import { operationsOf } from './operations.js';
import { formatReport, runFuzz, type FuzzOptions } from './runner.js';

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
  timeLimitMs: 5 * 60_000,
  receiptSecret: 'fuzz-receipt-secret',
};

function positive(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}

describe('fuzzing every operation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        LOG_LEVEL: 'warn',
        // Requests come from many documentation addresses (X-Forwarded-For), so the per-IP limits answer some, not most.
        TRUST_PROXY: 'true',
        SMS_PROVIDER: 'console',
        SMS_HOURLY_BUDGET: '10000000',
        VONAGE_SIGNATURE_SECRET: options.receiptSecret,
      },
      runtime: { rateLimitScale: 10 },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it(
    'answers every request with a success or a 4xx problem+json with a code, never a 5xx',
    async () => {
      const doc = await t.get('/docs-json');
      expect(doc.status).toBe(200);
      const ops = operationsOf(doc.body, routeInventory(t.app));
      const report = await runFuzz(t, ops, new Identities(t), options);
      process.stdout.write(formatReport(report, options));
      if (process.env.FUZZ_REPORT) writeFileSync(process.env.FUZZ_REPORT, JSON.stringify(report, null, 2));
      expect(report.failures).toEqual([]);
      expect(report.sent).toBe(options.requests);
    },
    6 * 60_000,
  );
});
