import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { transformSync } from '@swc/core';

/**
 * `npm start` must say NODE_ENV=development explicitly (the console SMS sender
 * and GET /dev/sms need it), `npm run start:prod` production, and neither may
 * override a NODE_ENV the operator set. The launcher runs here as it does
 * from dist/: compiled to an ES module, in its own process.
 */
describe('the start scripts', () => {
  let scratch: string;
  let launcher: string;
  let entry: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'sesame-start-scripts-'));
    const source = resolve('scripts/with-node-env.ts');
    const { code } = transformSync(await readFile(source, 'utf8'), {
      filename: source,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' },
    });
    launcher = join(scratch, 'with-node-env.mjs');
    await writeFile(launcher, code);
    // Stands in for dist/src/main.js: reports what it was started with.
    entry = join(scratch, 'entry.mjs');
    await writeFile(
      entry,
      'console.log(JSON.stringify({ nodeEnv: process.env.NODE_ENV, argv: process.argv.slice(1) }));\n',
    );
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  function launch(args: string[], env: Record<string, string> = {}) {
    const { NODE_ENV: _ignored, ...inherited } = process.env;
    const run = spawnSync(process.execPath, [launcher, ...args], { env: { ...inherited, ...env }, encoding: 'utf8' });
    return { status: run.status, stderr: run.stderr, seen: run.status === 0 ? JSON.parse(run.stdout) : null };
  }

  it('npm start runs the server with NODE_ENV=development, start:prod with production', async () => {
    const { scripts } = JSON.parse(await readFile('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.start).toMatch(/&& node dist\/scripts\/with-node-env\.js development dist\/src\/main\.js$/);
    expect(scripts['start:prod']).toBe('node dist/scripts/with-node-env.js production dist/src/main.js');
    for (const name of ['migration:run', 'migration:revert', 'migration:generate', 'admin:create']) {
      expect(scripts[name]).toMatch(/ node dist\/scripts\/with-node-env\.js development dist\/scripts\//);
    }
  });

  it('sets NODE_ENV to the mode when it is not set, and hands the entry point its own arguments', () => {
    expect(launch(['development', entry, 'run', '--flag']).seen).toEqual({
      nodeEnv: 'development',
      argv: [entry, 'run', '--flag'],
    });
    expect(launch(['production', entry]).seen).toEqual({ nodeEnv: 'production', argv: [entry] });
    expect(launch(['production', entry], { NODE_ENV: '' }).seen).toEqual({ nodeEnv: 'production', argv: [entry] });
  });

  it('keeps a NODE_ENV the environment already sets', () => {
    expect(launch(['development', entry], { NODE_ENV: 'production' }).seen?.nodeEnv).toBe('production');
  });

  it('refuses an unknown mode or a missing entry point', () => {
    for (const args of [['staging', entry], ['development']]) {
      const run = launch(args);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/^usage: with-node-env development\|test\|production/);
    }
  });
});
