/**
 * Preload for the benchmark's server process only:
 *
 *   node --import ./dist/bench/count-statements.js dist/src/main.js
 *
 * with an IPC channel to the benchmark. It counts the SQL statements the
 * server sends, so the benchmark can report statements per login without any
 * switch or hook in the production code. Every statement goes through
 * `pg`'s `Client.prototype.query` (TypeORM's pool and any `pg.Pool` are built
 * on it), so patching that one method sees them all.
 *
 * Statements are attributed to HTTP requests through AsyncLocalStorage: what
 * runs in a request's async context (including work it starts after
 * answering, such as sending the SMS) is "request" work; timers such as the
 * outbox worker or the policy refresh are "background". Transaction control
 * (BEGIN/COMMIT/ROLLBACK, SAVEPOINT/RELEASE) is counted apart from the other
 * statements, because it costs a round trip but no query work.
 *
 * IPC: `{type:'stats', id}` is answered with the counters and the resident
 * memory; `{type:'reset', id}` zeroes the counters and is acknowledged.
 * Without an IPC channel the module does nothing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import pg from 'pg';

interface Counters {
  /** Statements other than transaction control, sent while serving a request. */
  statements: number;
  /** BEGIN/START TRANSACTION/COMMIT/END/ROLLBACK/SAVEPOINT/RELEASE sent while serving a request. */
  transactionControl: number;
  /** The same two, sent outside any request (timers, start-up). */
  backgroundStatements: number;
  backgroundTransactionControl: number;
  /** Statements Postgres answered with an error, by SQLSTATE. */
  errors: Record<string, number>;
}

export interface StatementStats extends Counters {
  rss: number;
}

const fresh = (): Counters => ({ statements: 0, transactionControl: 0, backgroundStatements: 0, backgroundTransactionControl: 0, errors: {} });

const TRANSACTION_CONTROL = /^\s*(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE|ABORT)\b/i;

function textOf(config: unknown): string {
  if (typeof config === 'string') return config;
  if (config && typeof config === 'object' && 'text' in config) return String((config as { text: unknown }).text);
  return '';
}

if (typeof process.send === 'function') {
  let counters = fresh();
  const inRequest = new AsyncLocalStorage<true>();

  const emit = http.Server.prototype.emit as (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request') return inRequest.run(true, () => emit.apply(this, [event, ...args]));
    return emit.apply(this, [event, ...args]);
  };

  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const control = TRANSACTION_CONTROL.test(textOf(args[0]));
    const request = inRequest.getStore() === true;
    if (request) counters[control ? 'transactionControl' : 'statements']++;
    else counters[control ? 'backgroundTransactionControl' : 'backgroundStatements']++;
    const result = query.apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      // Observes the outcome only; the caller still receives (and handles) the original promise.
      const at = counters;
      (result as Promise<unknown>).then(undefined, (error: unknown) => {
        const code = String((error as { code?: unknown } | null)?.code ?? 'unknown');
        at.errors[code] = (at.errors[code] ?? 0) + 1;
      });
    }
    return result;
  };

  process.on('message', (message: unknown) => {
    const m = message as { type?: unknown; id?: unknown } | null;
    if (!m || typeof m !== 'object') return;
    if (m.type === 'reset') {
      counters = fresh();
      process.send?.({ type: 'reset', id: m.id });
    } else if (m.type === 'stats') {
      const stats: StatementStats = { ...counters, errors: { ...counters.errors }, rss: process.memoryUsage().rss };
      process.send?.({ type: 'stats', id: m.id, stats });
    }
  });
  // The benchmark went away (crashed or was killed): shut the server down the normal way rather than linger.
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
