import { MigrationExecutor, type DataSource, type Migration } from 'typeorm';

/**
 * The session-level advisory lock every Sesame process takes before it looks
 * at the migrations table ("SESAME" in ASCII). Several instances started at
 * the same moment on an empty database would otherwise each see every
 * migration as pending and run the first one together: one of them fails on
 * `CREATE TABLE` (and stops), or, worse, both record it.
 */
export const MIGRATION_LOCK_KEY = '91557214637381';

/** How often a process waiting for another's migrations asks for the lock again. */
const POLL_MS = 250;
/** Longer than any migration batch has taken; past it the process stops with a clear error. */
const WAIT_LIMIT_MS = 10 * 60_000;

export class MigrationLockTimeoutError extends Error {
  override name = 'MigrationLockTimeoutError';
}

/**
 * Applies the pending migrations under the advisory lock, all on one
 * connection (the pool may have just one). Whoever gets the lock first
 * migrates; the others wait, then find nothing pending. The lock is polled
 * with pg_try_advisory_lock rather than awaited with pg_advisory_lock, so the
 * wait is not a statement that `statement_timeout` cuts short.
 */
export async function runMigrations(
  dataSource: DataSource,
  options: { log?: (message: string) => void; command?: 'run' | 'revert' } = {},
): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const started = Date.now();
    let told = false;
    while (!(await tryLock(runner))) {
      if (!told) options.log?.('another instance is applying the migrations: waiting for it');
      told = true;
      if (Date.now() - started > WAIT_LIMIT_MS) {
        throw new MigrationLockTimeoutError(
          `waited ${WAIT_LIMIT_MS / 60_000} minutes for another instance's migrations (advisory lock ${MIGRATION_LOCK_KEY}); see pg_locks for the session holding it`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      if (options.command === 'revert') {
        await executor.undoLastMigration();
        return [];
      }
      return await executor.executePendingMigrations();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}

async function tryLock(runner: ReturnType<DataSource['createQueryRunner']>): Promise<boolean> {
  const rows = (await runner.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [
    MIGRATION_LOCK_KEY,
  ])) as Array<{
    locked: boolean;
  }>;
  return rows[0]?.locked === true;
}
