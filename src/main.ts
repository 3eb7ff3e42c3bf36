import 'reflect-metadata';
import cluster from 'node:cluster';
import type { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config.js';
import { loadDotEnv } from './config/dotenv.js';
import { resolveKeys } from './config/keys.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { resolveDatabase, type ResolvedDatabase } from './database/database-url.js';
import { EmbeddedPostgresError } from './database/embedded-postgres.js';
import { runMigrations } from './database/run-migrations.js';
import { createApp } from './bootstrap.js';
import { prettyLogStream } from './common/pretty-logs.js';

/** Set by the primary for its workers: the database to use, already migrated. */
const WORKER_DATABASE_URL = 'SESAME_WORKER_DATABASE_URL';

/** Where the process's own lines go: stdout as JSON, or the development pretty printer. */
let logOut: Pick<Writable, 'write'> = process.stdout;
const log = (message: string) => logOut.write(JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, msg: message }) + '\n');

async function main(): Promise<void> {
  const dotEnv = loadDotEnv();
  const config = loadConfig();
  const logStream = await prettyLogStream(config);
  if (logStream) logOut = logStream;
  if (dotEnv && cluster.isPrimary) log(`read ${dotEnv.loaded.length} variables from ${dotEnv.file} (the environment wins over it)`);
  if (cluster.isPrimary && config.webConcurrency > 1) return primary(config);
  const workerDatabaseUrl = cluster.isWorker ? process.env[WORKER_DATABASE_URL] : undefined;
  const keys = await resolveKeys(config);
  const database: ResolvedDatabase = workerDatabaseUrl
    ? { url: workerDatabaseUrl, embedded: false, stop: async () => undefined }
    : await resolveDatabase(config, log);
  const app = await createApp({ config, keys, databaseUrl: database.url, runMigrations: !workerDatabaseUrl, logStream });
  await app.listen(config.http.port);
  if (!cluster.isWorker) log(`${config.appName} listening on http://localhost:${config.http.port} (docs at /docs)`);

  // Graceful shutdown: stop accepting, let in-flight requests finish, close the pool, then the database.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!cluster.isWorker) log(`${signal} received: shutting down`);
    await app.close();
    await database.stop();
    process.exit(0);
  };
  process.once('SIGINT', (s) => void stop(s));
  process.once('SIGTERM', (s) => void stop(s));
}

/**
 * Several HTTP workers on one machine (node:cluster, WEB_CONCURRENCY): the
 * primary resolves the keys and the database (starting the embedded one if
 * needed) and applies the migrations once, then forks workers that share the
 * port. Every worker is a stateless instance like any other behind a load
 * balancer, so the same rules hold: rate limits are shared only through Redis.
 */
async function primary(config: AppConfig): Promise<void> {
  await resolveKeys(config); // generated once here in development, so workers only read them
  const database = await resolveDatabase(config, log);
  const migrations = new DataSource(dataSourceOptions(database.url, { poolSize: 1 }));
  await migrations.initialize();
  try {
    await runMigrations(migrations, { log });
  } finally {
    await migrations.destroy();
  }
  if (!config.redisUrl) log('WEB_CONCURRENCY > 1 without REDIS_URL: each worker keeps its own rate-limit counters');

  let stopping = false;
  let listening = 0;
  const fork = () => cluster.fork({ [WORKER_DATABASE_URL]: database.url });
  cluster.on('listening', () => {
    if (++listening === config.webConcurrency) {
      log(`${config.appName} listening on http://localhost:${config.http.port} with ${config.webConcurrency} workers (docs at /docs)`);
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    fork();
  });
  for (let i = 0; i < config.webConcurrency; i++) fork();

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received: shutting down ${Object.keys(cluster.workers ?? {}).length} workers`);
    const exited = Object.values(cluster.workers ?? {}).map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (!worker || worker.isDead()) return resolve();
          worker.once('exit', () => resolve());
          worker.process.kill('SIGTERM');
        }),
    );
    await Promise.all(exited);
    await database.stop();
    process.exit(0);
  };
  process.once('SIGINT', (s) => void stop(s));
  process.once('SIGTERM', (s) => void stop(s));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof EmbeddedPostgresError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Sesame failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
