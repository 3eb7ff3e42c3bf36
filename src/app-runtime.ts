import type { Writable } from 'node:stream';
import type { AppConfig } from './config/app-config.js';
import type { AppKeys } from './config/keys.js';

/**
 * Everything resolved before Nest starts: configuration, keys and the
 * database URL, and where the logs go. Tests replace collaborators (the clock,
 * the SMS sender, the rate-limit scale) with `overrideProvider`, not here.
 */
export interface AppRuntime {
  config: AppConfig;
  keys: AppKeys;
  databaseUrl: string;
  /** False in cluster workers: the primary applied the migrations before forking them. */
  runMigrations?: boolean;
  /** False for one-shot commands (admin:create): no outbox worker, lease renewal or retention runs. */
  backgroundJobs?: boolean;
  logStream?: Writable;
  /** The built web app served at /app and /admin (default dist/web); not served when it has not been built. */
  webDir?: string;
}
