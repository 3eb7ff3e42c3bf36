import { join, resolve } from 'node:path';
import type { AppConfig } from '../config/app-config.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

export interface ResolvedDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * DATABASE_URL when set; otherwise an embedded Postgres kept in the data
 * directory, so `npm start` on a fresh machine needs no database server.
 */
export async function resolveDatabase(config: AppConfig, log: (m: string) => void): Promise<ResolvedDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: async () => undefined };
  const dir = resolve(join(config.dataDir, 'postgres'));
  log(`DATABASE_URL is not set: starting embedded Postgres in ${dir}`);
  const db = await startEmbeddedPostgres({ dir, persistent: true, onNotice: log });
  return { url: db.url, embedded: true, stop: () => db.stop() };
}
