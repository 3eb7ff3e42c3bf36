import { Writable } from 'node:stream';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { createApp } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/app-config.js';
import { resolveKeys } from '../../src/config/keys.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { MIGRATION_LOCK_KEY, runMigrations } from '../../src/database/run-migrations.js';
import { createTestDatabase } from '../support/test-database.js';

const discard = () =>
  new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });

async function migrationRows(url: string): Promise<Array<{ name: string; n: number }>> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query(`SELECT name, count(*)::int AS n FROM migrations GROUP BY name ORDER BY name`)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Instances of a compose stack or a rolling deploy start together on one
 * database: each applies the migrations at boot, under one advisory lock.
 */
describe('migrations at start, several instances at once', () => {
  it('two instances started at the same moment on an empty database both come up, each migration applied once', async () => {
    const database = await createTestDatabase();
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'warn' });
    const keys = await resolveKeys(config);
    const start = () => createApp({ config, keys, databaseUrl: database.url, logStream: discard() });
    const apps = await Promise.allSettled([start(), start()]);
    try {
      expect(apps.map((a) => (a.status === 'rejected' ? String(a.reason) : 'up'))).toEqual(['up', 'up']);
      for (const app of apps) {
        if (app.status !== 'fulfilled') continue;
        await app.value.listen(0, '127.0.0.1');
        const url = (await app.value.getUrl()).replace('[::1]', '127.0.0.1');
        expect((await fetch(`${url}/health/ready`)).status).toBe(200);
      }
      const rows = await migrationRows(database.url);
      expect(rows).toHaveLength(MIGRATIONS.length);
      expect(rows.every((r) => r.n === 1)).toBe(true);
    } finally {
      for (const app of apps) if (app.status === 'fulfilled') await app.value.close();
      await database.drop();
    }
  });

  it('of two processes migrating together, one applies every migration and the other finds none pending', async () => {
    // The instances above would also come up without the lock, by failing and retrying; here nothing retries.
    const database = await createTestDatabase();
    const sources = [0, 1].map(() => new DataSource(dataSourceOptions(database.url, { poolSize: 1 })));
    try {
      await Promise.all(sources.map((s) => s.initialize()));
      const applied = await Promise.all(sources.map((s) => runMigrations(s)));
      expect(applied.map((list) => list.length).sort()).toEqual([0, MIGRATIONS.length]);
      const rows = await migrationRows(database.url);
      expect(rows).toHaveLength(MIGRATIONS.length);
      expect(rows.every((r) => r.n === 1)).toBe(true);
    } finally {
      for (const s of sources) if (s.isInitialized) await s.destroy();
      await database.drop();
    }
  });

  it('waits while another session holds the lock, then applies everything', async () => {
    const database = await createTestDatabase();
    const holder = new pg.Client(database.url);
    await holder.connect();
    const dataSource = new DataSource(dataSourceOptions(database.url, { poolSize: 1 }));
    await dataSource.initialize();
    try {
      await holder.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
      const said: string[] = [];
      let done = false;
      const running = runMigrations(dataSource, { log: (m) => said.push(m) }).finally(() => (done = true));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(done).toBe(false);
      expect(said).toEqual(['another instance is applying the migrations: waiting for it']);
      const table = await holder.query(`SELECT to_regclass('public.migrations') AS t`);
      expect(table.rows[0].t).toBeNull();

      await holder.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
      expect(await running).toHaveLength(MIGRATIONS.length);
      // Released again: the next one gets the lock at once and finds nothing to do.
      expect(await runMigrations(dataSource)).toEqual([]);
      const free = await holder.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [MIGRATION_LOCK_KEY]);
      expect(free.rows[0].locked).toBe(true);
    } finally {
      await holder.end();
      await dataSource.destroy();
      await database.drop();
    }
  });
});
