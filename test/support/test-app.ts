import { Writable } from 'node:stream';
import type { NestExpressApplication } from '@nestjs/platform-express';
import pg from 'pg';
import type { AppRuntime } from '../../src/app-runtime.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { resolveKeys, type AppKeys } from '../../src/config/keys.js';
import { FakeClock } from './fake-clock.js';
import { createTestApplication, type TestOverrides } from './test-application.js';
import { createTestDatabase } from './test-database.js';

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface TestApp {
  app: NestExpressApplication;
  url: string;
  clock: FakeClock;
  /** Every log line the app wrote, as text. */
  logs: string[];
  /** Every response body the tests received, as text (the secrecy test searches them). */
  responses: string[];
  db: pg.Pool;
  databaseUrl: string;
  keys: AppKeys;
  request<T = any>(method: string, path: string, options?: { body?: unknown; raw?: string; token?: string; headers?: Record<string, string> }): Promise<HttpResult<T>>;
  post<T = any>(path: string, body?: unknown, token?: string): Promise<HttpResult<T>>;
  get<T = any>(path: string, token?: string): Promise<HttpResult<T>>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Run against another app's database and keys, as a second instance (or a restarted process) would. */
  sharing?: TestApp;
  runtime?: Partial<Omit<AppRuntime, 'config' | 'keys' | 'databaseUrl'>>;
  /** Providers to replace; the clock is always a FakeClock (`t.clock`) and limits are scaled by 100 unless given. */
  overrides?: Omit<TestOverrides, 'clock'>;
  configure?: (config: AppConfig) => void;
}

/** The real application on a fresh database, listening on a free loopback port. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.sharing
    ? { url: options.sharing.databaseUrl, drop: async () => undefined }
    : await createTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', ...options.env });
  options.configure?.(config);
  // A shared instance uses the same keys, unless the test gives it a signing key of its own (rotation).
  const keys = options.sharing && !options.env?.JWT_PRIVATE_KEY ? options.sharing.keys : await resolveKeys(config);
  const clock = new FakeClock();
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const app = await createTestApplication(
    { config, keys, databaseUrl: database.url, logStream, ...options.runtime },
    { clock, rateLimitScale: 100, ...options.overrides },
  );
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const db = new pg.Pool({ connectionString: database.url, max: 4 });
  const responses: string[] = [];

  const request = async (method: string, path: string, opts: { body?: unknown; raw?: string; token?: string; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.raw !== undefined) {
      body = opts.raw;
      headers['content-type'] ??= 'application/json';
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    responses.push(text);
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON; keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed as any, text };
  };

  return {
    app,
    url,
    clock,
    logs,
    responses,
    db,
    databaseUrl: database.url,
    keys,
    request,
    post: (path, body, token) => request('POST', path, { body, token }),
    get: (path, token) => request('GET', path, { token }),
    async close() {
      await db.end();
      await app.close();
      await database.drop();
    },
  };
}

/** Registers a user and logs in with a password; returns the login response body. */
export async function registerAndLogin(t: TestApp, email: string, password = 'correct horse battery'): Promise<any> {
  const reg = await t.post('/auth/register', { email, password });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${reg.text}`);
  const login = await t.post('/auth/login', { email, password });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return { ...login.body, userId: reg.body.id };
}
