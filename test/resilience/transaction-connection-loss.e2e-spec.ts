import type { DataSource } from 'typeorm';
import { isDatabaseUnavailable } from '../../src/common/errors/problem-details.filter.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { Database, type Tx } from '../../src/database/database.js';
import { createTestDatabase } from '../support/test-database.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * The hot path's pool (postgres.js) when the database goes away with
 * transactions open. postgres.js 3.4 writes ROLLBACK (or the next statement)
 * to a connection whose socket is already gone and throws a TypeError from a
 * timer, which no caller can catch and which ends the process
 * (porsager/postgres#1066, #1208). Each case here crashed the test process
 * before Database.transaction stopped writing to a lost connection.
 *
 * The last case also lost connections while they asked for the array types,
 * an unhandled rejection in postgres.js (see Database.onModuleInit).
 *
 * The database sits behind a TCP proxy that the test cuts: the connections
 * close as they do when Postgres stops, and new ones are refused.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function settled<T>(work: Promise<T>, ms: number): Promise<{ value?: T; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms)));
  try {
    return { value: await Promise.race([work, timeout]) };
  } catch (error) {
    if ((error as Error).message === `not settled within ${ms} ms`) throw error;
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

/** Lets the timers and immediates postgres.js scheduled around the loss run: a crash would come from them. */
const quiet = () => sleep(200);

describe('transactions when the database connection is lost', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxy: TcpProxy;
  let db: Database;

  beforeAll(async () => {
    database = await createTestDatabase();
    const url = new URL(database.url);
    proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port) });
    const dataSource = { options: { url: TcpProxy.urlThrough(database.url, proxy.port) } } as unknown as DataSource;
    db = new Database(dataSource, { databasePoolSize: 4 } as AppConfig);
    await db.onModuleInit();
    await db.query('CREATE TABLE marks (n int PRIMARY KEY)');
  });

  afterAll(async () => {
    await proxy.restore();
    await db.onModuleDestroy();
    await proxy.close();
    await database.drop();
  });

  afterEach(async () => {
    await proxy.restore();
  });

  /** After the database is back, transactions and pool queries work again on the same pool. */
  async function expectRecovered(): Promise<void> {
    await proxy.restore();
    const started = Date.now();
    for (;;) {
      try {
        const n = 1000 + Math.floor(Math.random() * 1e6);
        await db.transaction(async (tx) => {
          await tx.query('INSERT INTO marks (n) VALUES ($1)', [n]);
        });
        const rows = await db.query<{ n: number }>('SELECT n FROM marks WHERE n = $1', [n]);
        expect(rows).toEqual([{ n }]);
        // Connections opened since do not ask for the array types again, and still parse arrays.
        expect(await db.query('SELECT ARRAY[$1::text, $2::text] AS xs, ARRAY[$3::uuid] AS ids', ['a', 'b', '6f1c3b7e-0d5a-4d8e-9a77-3b8f1f0c2a11'])).toEqual([
          { xs: ['a', 'b'], ids: ['6f1c3b7e-0d5a-4d8e-9a77-3b8f1f0c2a11'] },
        ]);
        break;
      } catch (error) {
        if (!isDatabaseUnavailable(error) || Date.now() - started > 2000) throw error;
        await sleep(50);
      }
    }
  }

  it('a statement in flight: the transaction rejects with a connection error, and nothing is written after', async () => {
    let inFlight!: () => void;
    const sent = new Promise<void>((resolve) => (inFlight = resolve));
    const transaction = db.transaction(async (tx) => {
      await tx.query('INSERT INTO marks (n) VALUES (1)');
      const slow = tx.query('SELECT pg_sleep(5)');
      inFlight();
      await slow;
    });
    await sent;
    await sleep(100);
    await proxy.cut();
    const outcome = await settled(transaction, 3000);
    expect(isDatabaseUnavailable(outcome.error)).toBe(true);
    await quiet();
    await expectRecovered();
    // The server rolled the transaction back.
    expect(await db.query('SELECT n FROM marks WHERE n = 1')).toEqual([]);
  });

  /** A transaction that writes, then waits while the test closes its connection, then goes on with `then`. */
  async function lostBetweenStatements(n: number, then: (tx: Tx) => Promise<void>) {
    let lost!: () => void;
    const gone = new Promise<void>((resolve) => (lost = resolve));
    const transaction = db.transaction(async (tx) => {
      await tx.query('INSERT INTO marks (n) VALUES ($1)', [n]);
      await gone;
      await then(tx);
    });
    await sleep(100);
    await proxy.cut();
    await sleep(50);
    lost();
    return settled(transaction, 3000);
  }

  it('between statements: the next statement is refused without reaching the dead connection', async () => {
    const secondStatement: { error?: unknown } = {};
    const outcome = await lostBetweenStatements(2, async (tx) => {
      try {
        await tx.query('INSERT INTO marks (n) VALUES (3)');
      } catch (error) {
        secondStatement.error = error;
        throw error;
      }
    });
    expect(isDatabaseUnavailable(outcome.error)).toBe(true);
    expect(isDatabaseUnavailable(secondStatement.error)).toBe(true);
    await quiet();
    await expectRecovered();
    expect(await db.query('SELECT n FROM marks WHERE n IN (2, 3)')).toEqual([]);
  });

  it('the work fails on its own after the connection is gone: no ROLLBACK is written to it', async () => {
    const outcome = await lostBetweenStatements(4, async () => {
      throw new Error('a refusal of the work itself');
    });
    // The connection's loss, not the work's refusal: whether the work's writes were kept is what the caller must not assume.
    expect(isDatabaseUnavailable(outcome.error)).toBe(true);
    await quiet();
    await expectRecovered();
    expect(await db.query('SELECT n FROM marks WHERE n = 4')).toEqual([]);
  });

  it('many transactions and queries at once: every one settles with a connection error, and the pool recovers', async () => {
    // Each outcome is awaited from the start: one that fails before the test looks is not an unhandled rejection.
    const work = Array.from({ length: 24 }, (_, i) =>
      settled<unknown>(
        i % 3 === 0
          ? db.query('SELECT pg_sleep(0.05)')
          : db.transaction(async (tx) => {
              for (let j = 0; j < 20; j++) await tx.query('SELECT $1::int + $2::int AS n', [i, j]);
              await tx.query('SELECT pg_sleep(0.05)');
            }),
        8000,
      ),
    );
    await sleep(60);
    await proxy.cut();
    // Sent while the database is away: refused, not held.
    const during = Array.from({ length: 8 }, () => settled(db.transaction((tx) => tx.query('SELECT 1')), 8000));
    const outcomes = await Promise.all([...work, ...during]);
    const failed = outcomes.filter((o) => 'error' in o);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.filter((o) => !isDatabaseUnavailable(o.error)).map((o) => String(o.error))).toEqual([]);
    await quiet();
    await expectRecovered();
  }, 20_000);
});
