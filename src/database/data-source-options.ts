import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { ENTITIES } from './entities.js';

/** One definition shared by the app, the migration scripts and the tests. Never `synchronize`. */
export function dataSourceOptions(url: string, overrides: { poolSize?: number } = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    poolSize: overrides.poolSize ?? 20,
    extra: {
      connectionTimeoutMillis: 5000,
      // A stuck statement or a transaction left open by a bug ends on the server
      // instead of holding a pooled connection (and its row locks) forever.
      statement_timeout: 10_000,
      idle_in_transaction_session_timeout: 10_000,
    },
  };
}
