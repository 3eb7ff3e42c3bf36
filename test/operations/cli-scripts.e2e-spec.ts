import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { transform } from '@swc/core';
import { freePort } from '../../src/database/embedded-postgres.js';

/**
 * `npm run admin:create` and `npm run migration:*` run as their npm scripts do
 * (`node dist/scripts/with-node-env.js development dist/scripts/…`), from the
 * sources compiled to ES modules: when the database cannot be used, one line
 * on stderr says what to do, the exit code is 1, and there is no stack trace
 * and no unhandled rejection.
 */
const ROOT = resolve('.');

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? sources(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))),
  );
  return nested.flat().filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
}

/** The build, as ES modules, inside node_modules/.cache so that packages resolve from the project. */
async function compile(): Promise<string> {
  const cache = join(ROOT, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  const out = await mkdtemp(join(cache, 'sesame-cli-test-'));
  const swcrc = JSON.parse(await readFile(join(ROOT, '.swcrc'), 'utf8')) as Record<string, unknown>;
  delete swcrc.$schema;
  const files = (await Promise.all(['src', 'scripts', 'migrations'].map((d) => sources(join(ROOT, d))))).flat();
  await Promise.all(
    files.map(async (file) => {
      const { code } = await transform(await readFile(file, 'utf8'), {
        ...swcrc,
        sourceMaps: false,
        filename: file,
        swcrc: false,
      });
      const target = join(out, relative(ROOT, file)).replace(/\.ts$/, '.js');
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, code);
    }),
  );
  await writeFile(join(out, 'package.json'), '{ "type": "module" }\n');
  return out;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe('the admin and migration scripts when the database cannot be used', () => {
  let build: string;
  let scratch: string;
  beforeAll(async () => {
    [build, scratch] = await Promise.all([compile(), mkdtemp(join(tmpdir(), 'sesame-cli-'))]);
    // Reachable by the postgres user the embedded cluster runs as under root, so its data stays in here.
    await chmod(scratch, 0o755);
  }, 60_000);
  afterAll(async () => {
    await rm(build, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  function script(name: string, args: string[], env: Record<string, string | undefined>): Promise<Run> {
    const { DATABASE_URL: _url, NODE_ENV: _env, ...inherited } = process.env;
    return new Promise((done, fail) => {
      const child = spawn(
        process.execPath,
        [join(build, 'scripts', 'with-node-env.js'), 'development', join(build, 'scripts', name), ...args],
        { cwd: scratch, env: { ...inherited, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', fail);
      child.on('close', (status) => done({ status, stdout, stderr }));
    });
  }

  const ADMIN = ['--email', 'admin@example.com', '--password', 'correct horse battery staple'];

  function expectOneClearLine(run: Run, pattern: RegExp): void {
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stderr + run.stdout).not.toMatch(/UnhandledPromiseRejection|ExceptionHandler|Retrying/);
  }

  describe('the embedded data directory is in use by a running server', () => {
    let server: ChildProcess;
    const dataDir = () => join(scratch, 'data');
    beforeAll(async () => {
      // `npm start` in another terminal: the server and its embedded Postgres in $DATA_DIR/postgres.
      const { DATABASE_URL: _url, NODE_ENV: _env, ...inherited } = process.env;
      server = spawn(
        process.execPath,
        [join(build, 'scripts', 'with-node-env.js'), 'development', join(build, 'src', 'main.js')],
        {
          cwd: scratch,
          env: { ...inherited, DATA_DIR: dataDir(), PORT: String(await freePort()), LOG_LEVEL: 'warn' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      await new Promise<void>((ready, fail) => {
        const onData = (c: Buffer) => {
          output += c.toString();
          if (output.includes(' listening on http://')) ready();
        };
        server.stdout!.on('data', onData);
        server.stderr!.on('data', onData);
        server.once('exit', (code) => fail(new Error(`the server exited (${code}) before listening: ${output}`)));
      });
    }, 90_000);
    afterAll(async () => {
      if (!server || server.exitCode !== null) return;
      const exited = new Promise((done) => server.once('exit', done));
      server.kill('SIGTERM');
      await exited;
    }, 30_000);

    it.each([
      ['admin:create', 'create-admin.js', ADMIN],
      ['migration:run', 'migrate.js', ['run']],
      ['migration:revert', 'migrate.js', ['revert']],
    ])(
      'npm run %s says to stop the server or set DATABASE_URL',
      async (_script, name, args) => {
        const run = await script(name, args, { DATA_DIR: dataDir() });
        expectOneClearLine(run, /in use by a running server .*stop the server or set DATABASE_URL/);
      },
      60_000,
    );
  });

  it.each([
    ['admin:create', 'create-admin.js', ADMIN],
    ['migration:run', 'migrate.js', ['run']],
  ])(
    'npm run %s names the unreachable DATABASE_URL server without its credentials',
    async (_script, name, args) => {
      const run = await script(name, args, { DATABASE_URL: 'postgres://someone:hunter2@127.0.0.1:1/sesame' });
      expectOneClearLine(
        run,
        /^Cannot connect to the database at 127\.0\.0\.1:1\/sesame: .*ECONNREFUSED.*; start that Postgres server, correct DATABASE_URL/,
      );
      expect(run.stderr).not.toContain('hunter2');
    },
    60_000,
  );

  it('migrate with an unknown command prints its usage and exits 2 without touching a database', async () => {
    const run = await script('migrate.js', ['sideways'], { DATABASE_URL: 'postgres://someone@127.0.0.1:1/sesame' });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe('usage: migrate run | revert | generate PascalCaseName');
  }, 60_000);
});
