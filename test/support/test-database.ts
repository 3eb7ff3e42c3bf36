import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A fresh, empty database for one suite on the run's Postgres (embedded, or
 * the server DATABASE_URL points at), so suites run in parallel without
 * seeing each other's rows. The migrations create the schema from nothing.
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.SESAME_TEST_ADMIN_URL;
  if (!adminUrl) throw new Error('SESAME_TEST_ADMIN_URL is not set: run the tests through `npm test`');
  const name = `sesame_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client(adminUrl);
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
