import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/app-config.js';
import { resolveKeys } from './config/keys.js';
import { resolveDatabase } from './database/database-url.js';
import { EmbeddedPostgresError } from './database/embedded-postgres.js';
import { createApp } from './bootstrap.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = (message: string) => process.stdout.write(JSON.stringify({ level: 30, time: Date.now(), msg: message }) + '\n');
  const keys = await resolveKeys(config);
  const database = await resolveDatabase(config, log);
  const app = await createApp({ config, keys, databaseUrl: database.url });
  await app.listen(config.port);
  log(`${config.appName} listening on http://localhost:${config.port} (docs at /docs)`);

  // Graceful shutdown: stop accepting, let in-flight requests finish, close the pool, then the database.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received: shutting down`);
    await app.close();
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
