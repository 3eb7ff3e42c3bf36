import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** A second instance of the app, on its own thread: another core serves part of the fuzzer's requests. */
export interface AppThread {
  url: string;
  /** Error lines it logged (level 50), for the report of a 5xx it answered. */
  errorLogs(): Promise<string[]>;
  close(): Promise<void>;
}

const ROOT = resolve(__dirname, '../..');

/**
 * Node's ESM loader hooks, given as a data: URL: TypeScript files of the
 * project are compiled by SWC with the settings of jest.config.js, as native
 * ES modules (as production runs them), and `./x.js` imports find `./x.ts`.
 */
const LOADER = `
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
const require = createRequire(${JSON.stringify(pathToFileURL(join(ROOT, 'package.json')).href)});
const { transform } = require('@swc/core');
const root = ${JSON.stringify(pathToFileURL(ROOT).href)};
export async function resolve(specifier, context, next) {
  if (specifier.endsWith('.js') && specifier.startsWith('.') && context.parentURL?.startsWith(root) && context.parentURL.endsWith('.ts')) {
    const ts = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
    if (existsSync(fileURLToPath(ts))) return { url: ts.href, shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.startsWith(root) || !url.endsWith('.ts')) return next(url, context);
  const source = await readFile(fileURLToPath(url), 'utf8');
  const { code } = await transform(source, {
    filename: fileURLToPath(url),
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      target: 'es2022',
      keepClassNames: true,
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    },
    module: { type: 'es6' },
  });
  return { format: 'module', source: code, shortCircuit: true };
}
`;

/** The worker: registers the loader, then starts the app on the same database and keys as the in-process one. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { register } = require('node:module');
const { Writable } = require('node:stream');
register('data:text/javascript,' + encodeURIComponent(workerData.loader));
(async () => {
  const root = workerData.root;
  const { createTestApplication } = await import(root + '/test/support/test-application.ts');
  const { loadConfig } = await import(root + '/src/config/app-config.ts');
  const { resolveKeys } = await import(root + '/src/config/keys.ts');
  const config = loadConfig(workerData.env);
  const keys = await resolveKeys(config);
  const errors = [];
  const logStream = new Writable({ write(chunk, _e, cb) { const line = String(chunk); if (line.includes('"level":50')) errors.push(line); cb(); } });
  const app = await createTestApplication(
    { config, keys, databaseUrl: workerData.databaseUrl, runMigrations: false, logStream },
    { rateLimitScale: workerData.rateLimitScale, smsWorker: false },
  );
  await app.listen(0, '127.0.0.1');
  parentPort.postMessage({ url: (await app.getUrl()).replace('[::1]', '127.0.0.1') });
  parentPort.on('message', async (message) => {
    if (message === 'logs') parentPort.postMessage({ logs: errors.slice(-500) });
    if (message === 'close') { await app.close(); parentPort.postMessage({ closed: true }); }
  });
})().catch((error) => parentPort.postMessage({ error: String(error && error.stack || error) }));
`;

export async function startAppThread(options: { env: Record<string, string>; databaseUrl: string; rateLimitScale: number }): Promise<AppThread> {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { ...options, loader: LOADER, root: pathToFileURL(ROOT).href },
  });
  const next = (key: string) =>
    new Promise<any>((resolvePromise, reject) => {
      const onMessage = (message: any) => {
        if (message?.error) reject(new Error(`the app thread failed: ${message.error}`));
        else if (key in message) {
          worker.off('message', onMessage);
          resolvePromise(message[key]);
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  const url: string = await next('url');
  return {
    url,
    async errorLogs() {
      worker.postMessage('logs');
      return next('logs');
    },
    async close() {
      worker.postMessage('close');
      await next('closed');
      await worker.terminate();
    },
  };
}
