import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgresError, startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/database/embedded-postgres.ts';

declare global {
  var __SESAME_EMBEDDED_DB__: EmbeddedDatabase | undefined;
}

/**
 * One Postgres for the whole run: the machine's (DATABASE_URL) or a throwaway
 * embedded cluster on a free port. Each suite then creates its own database
 * on it (test/support/test-database.ts), so suites never see each other's rows.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.SESAME_TEST_ADMIN_URL = process.env.DATABASE_URL;
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'sesame-test-pg-'));
  const db = await startEmbeddedPostgres({ dir, persistent: false }).catch((error: unknown) => {
    if (!(error instanceof EmbeddedPostgresError)) throw error;
    // The message says what failed and what to do; a stack trace would only bury it.
    process.stderr.write(`\n${error.message}\n`);
    process.exit(1);
  });
  globalThis.__SESAME_EMBEDDED_DB__ = db;
  process.env.SESAME_TEST_ADMIN_URL = db.url;
}
