/**
 * Preload for the benchmark's server process only:
 *
 *   node --import ./dist/bench/count-statements.js dist/src/main.js
 *
 * with an IPC channel to the benchmark. It counts the SQL statements the
 * server sends, so the benchmark can report statements per login without any
 * switch or hook in the production code. The server talks to Postgres
 * through two drivers (pg under TypeORM, postgres.js on the login path), so
 * the count is taken where both meet: the bytes written to sockets connected
 * to the database's port, read as Postgres frontend messages. A simple query
 * ('Q') or an execution of a prepared or unnamed statement ('B', Bind) is one
 * statement; the text a Bind executes is the one its statement was parsed
 * with ('P'), which tells transaction control apart.
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
import net from 'node:net';
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
  /** CPU time of the server process since the last reset (user + system), in microseconds. */
  cpuMicros: number;
}

const fresh = (): Counters => ({ statements: 0, transactionControl: 0, backgroundStatements: 0, backgroundTransactionControl: 0, errors: {} });

const TRANSACTION_CONTROL = /^\s*(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE|ABORT)\b/i;

if (typeof process.send === 'function') {
  let counters = fresh();
  let cpuAtReset = process.cpuUsage();
  const inRequest = new AsyncLocalStorage<true>();

  const emit = http.Server.prototype.emit as (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request') return inRequest.run(true, () => emit.apply(this, [event, ...args]));
    return emit.apply(this, [event, ...args]);
  };

  const databasePort = Number(new URL(process.env.DATABASE_URL ?? 'postgres://localhost:5432').port || 5432);
  const count = (text: string) => {
    const control = TRANSACTION_CONTROL.test(text);
    if (inRequest.getStore() === true) counters[control ? 'transactionControl' : 'statements']++;
    else counters[control ? 'backgroundTransactionControl' : 'backgroundStatements']++;
  };

  /** Per database socket: the start-up message is untyped, then every message is type byte + length. */
  interface Stream {
    started: boolean;
    pending: Buffer;
    statements: Map<string, string>;
  }
  const streams = new WeakMap<net.Socket, Stream>();

  const read = (stream: Stream, chunk: Buffer) => {
    let buffer = stream.pending.length > 0 ? Buffer.concat([stream.pending, chunk]) : chunk;
    for (;;) {
      if (!stream.started) {
        if (buffer.length < 8) break;
        const length = buffer.readInt32BE(0);
        if (buffer.length < length) break;
        // SSLRequest (80877103) is followed by another untyped start-up message.
        if (buffer.readInt32BE(4) !== 80877103) stream.started = true;
        buffer = buffer.subarray(length);
        continue;
      }
      if (buffer.length < 5) break;
      const length = buffer.readInt32BE(1);
      if (buffer.length < 1 + length) break;
      const type = String.fromCharCode(buffer[0]!);
      const body = buffer.subarray(5, 1 + length);
      if (type === 'Q') {
        count(body.toString('utf8', 0, body.indexOf(0)));
      } else if (type === 'P') {
        const nameEnd = body.indexOf(0);
        const name = body.toString('utf8', 0, nameEnd);
        stream.statements.set(name, body.toString('utf8', nameEnd + 1, body.indexOf(0, nameEnd + 1)));
      } else if (type === 'B') {
        const portalEnd = body.indexOf(0);
        const name = body.toString('utf8', portalEnd + 1, body.indexOf(0, portalEnd + 1));
        count(stream.statements.get(name) ?? '');
      }
      buffer = buffer.subarray(1 + length);
    }
    stream.pending = Buffer.from(buffer);
  };

  const write = net.Socket.prototype.write as (this: net.Socket, ...args: unknown[]) => boolean;
  net.Socket.prototype.write = function (this: net.Socket, ...args: unknown[]): boolean {
    const data = args[0];
    if (this.remotePort === databasePort && (Buffer.isBuffer(data) || data instanceof Uint8Array)) {
      let stream = streams.get(this);
      if (!stream) {
        stream = { started: false, pending: Buffer.alloc(0), statements: new Map() };
        streams.set(this, stream);
      }
      try {
        read(stream, Buffer.from(data as Uint8Array));
      } catch {
        // A message this reader does not understand is not counted; the write itself goes on untouched.
      }
    }
    return write.apply(this, args);
  };

  // Errors Postgres answers with, by SQLSTATE, from the drivers' error objects as they surface.
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
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
      cpuAtReset = process.cpuUsage();
      process.send?.({ type: 'reset', id: m.id });
    } else if (m.type === 'stats') {
      const cpu = process.cpuUsage(cpuAtReset);
      const stats: StatementStats = { ...counters, errors: { ...counters.errors }, rss: process.memoryUsage().rss, cpuMicros: cpu.user + cpu.system };
      process.send?.({ type: 'stats', id: m.id, stats });
    }
  });
  // The benchmark went away (crashed or was killed): shut the server down the normal way rather than linger.
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
