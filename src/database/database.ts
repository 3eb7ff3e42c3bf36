import { AsyncLocalStorage } from 'node:async_hooks';
import { connect, type Socket } from 'node:net';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import postgres from 'postgres';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.tokens.js';

/** Something that runs SQL: the pool (`Database`) or one open transaction (`Tx`). Repositories take it explicitly. */
export interface Sql {
  query<R extends object = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<R[]>;
}

/**
 * One open transaction. It holds one pooled connection and is the only way
 * to reach it: repositories called with a `Tx` run on that connection, and
 * `Database.query` refuses to run while a transaction is open in the same
 * async context, so nothing inside a transaction can take a second
 * connection from the pool and wait for it (the pool-exhaustion deadlock).
 */
export interface Tx extends Sql {
  /** Runs just before COMMIT, on this transaction (batched writes such as audit rows). */
  beforeCommit(hook: () => Promise<void>): void;
  /** Runs after a successful COMMIT, outside the transaction (hand-offs such as sending an SMS). */
  afterCommit(hook: () => void | Promise<void>): void;
}

export class PoolQueryInsideTransactionError extends Error {
  constructor() {
    super('a pool query was issued while a transaction is open in the same async context: pass the transaction handle');
  }
}

/**
 * The hot path's access to Postgres: parameterised SQL through postgres.js,
 * without a query builder in between. postgres.js pipelines concurrent
 * queries on its connections and coalesces their writes, so under load many
 * statements share one socket write (each write is a system call; on the
 * login path they were the largest single cost). TypeORM keeps its own pool
 * for the rest of the app and the migrations.
 */
@Injectable()
export class Database implements Sql, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Database');
  private readonly openTransaction = new AsyncLocalStorage<true>();
  private readonly sql: postgres.Sql;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    const url = (dataSource.options as { url?: string }).url;
    const options = {
      max: config.databasePoolSize,
      // Closed after ten idle minutes (as PgBouncer's server_idle_timeout), so a quiet instance holds few
      // connections but one between bursts of logins does not open them again for every burst.
      idle_timeout: 600,
      connect_timeout: 5,
      onnotice: () => undefined,
      // postgres.js leaves Nagle's algorithm on; with small pipelined writes that holds a packet back until the
      // previous one is acknowledged (delayed ACKs: up to 40 ms per round trip). pg turns it off too.
      socket: connectWithoutDelay,
      // Reconnect quickly after an outage (the default backoff grows to 10-20 s, holding requests that long).
      backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 0.5),
      connection: {
        application_name: 'sesame',
        // A stuck statement or a transaction left open by a bug ends on the server
        // instead of holding a connection (and its row locks) forever.
        statement_timeout: 10_000,
        idle_in_transaction_session_timeout: 10_000,
      },
    };
    // `socket` is a documented option that the bundled type definitions do not list.
    this.sql = postgres(url ?? '', options as postgres.Options<Record<string, postgres.PostgresType>>);
  }

  /**
   * postgres.js asks every new connection for the array types (one more
   * round trip before its first statement), and does it from a promise that
   * nothing awaits: a connection lost during that query is an unhandled
   * rejection, which ends the process (and during an outage every
   * reconnection is one). The types are the server's and the parsers they
   * give are shared by the pool, so the first connection asks and the others
   * do not.
   */
  async onModuleInit(): Promise<void> {
    await this.sql.unsafe('SELECT 1');
    this.sql.options.fetch_types = false;
    // Production opens the whole pool before it reports ready: a burst of logins right after a start
    // (or a deploy) then waits for no connection, and each opened connection costs the server a process.
    if (this.config.env !== 'production') return;
    const size = this.config.databasePoolSize;
    const opened = await Promise.allSettled(Array.from({ length: size - 1 }, () => this.sql.unsafe('SELECT 1')));
    const refused = opened.filter((o) => o.status === 'rejected');
    // The database answered above, so this is a server short of connections: start anyway, with fewer.
    if (refused.length > 0) {
      this.logger.warn(
        { err: (refused[0] as PromiseRejectedResult).reason as unknown },
        `opened ${opened.length + 1 - refused.length} of ${size} pooled connections at start; check max_connections`,
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }

  async query<R extends object = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<R[]> {
    if (this.openTransaction.getStore()) throw new PoolQueryInsideTransactionError();
    return run<R>(this.sql, text, values);
  }

  /** Runs `work` in one transaction (READ COMMITTED); a throw rolls it back and is rethrown. */
  async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.openTransaction.getStore()) throw new PoolQueryInsideTransactionError();
    const after: Array<() => void | Promise<void>> = [];
    let open: OpenTransaction | null = null;
    const begun = this.sql.begin((reserved) =>
      this.openTransaction.run(true, async () => {
        const state: OpenTransaction = (open = { sql: reserved, lost: null });
        const before: Array<() => Promise<void>> = [];
        const tx: Tx = {
          query: <R extends object>(text: string, values?: readonly unknown[]) => runInTransaction<R>(state, text, values),
          beforeCommit: (hook) => before.push(hook),
          afterCommit: (hook) => after.push(hook),
        };
        try {
          const value = await work(tx);
          for (const hook of before) await hook();
          if (state.lost !== null) return stranded();
          return value;
        } catch (error) {
          if (state.lost !== null) return stranded();
          throw error;
        }
      }),
    );
    // postgres.js rejects `begin` as soon as the transaction's connection closes, before the work has seen it.
    begun.catch((error: unknown) => {
      if (open !== null) open.lost ??= error;
    });
    const result = await begun;
    for (const hook of after) await hook();
    return result as T;
  }
}

/** One transaction's connection, and why it is gone once it is. */
interface OpenTransaction {
  sql: postgres.TransactionSql;
  lost: unknown;
}

/**
 * A statement of an open transaction. Once the transaction's connection is
 * gone, nothing more is written to it: postgres.js 3.4 would buffer the write
 * and flush it from a timer after the socket is gone, throwing a TypeError no
 * caller can catch (porsager/postgres#1066, #1208), which ends the process.
 */
async function runInTransaction<R extends object>(tx: OpenTransaction, text: string, values?: readonly unknown[]): Promise<R[]> {
  if (tx.lost !== null) throw tx.lost;
  try {
    return (await statement(tx.sql, text, values)) as unknown as R[];
  } catch (error) {
    if (isConnectionLost(error)) tx.lost ??= error;
    throw error;
  }
}

/**
 * What the work of a transaction whose connection is gone hands back to
 * postgres.js: a promise that never settles, so that it writes neither ROLLBACK
 * nor COMMIT to the dead connection (the same uncatchable write). The server
 * has rolled the transaction back already; `begin` itself rejects with the
 * connection error, which is what the caller sees. Nothing refers to the
 * promise, so it is collected with the rest of the transaction.
 */
function stranded(): Promise<never> {
  return new Promise<never>(() => undefined);
}

const CONNECTION_ERRORS = new Set(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', 'CONNECT_TIMEOUT', 'ERR_STREAM_DESTROYED']);

/** The connection a statement ran on is gone: the driver's connection errors, socket errors, a FATAL from the server. */
function isConnectionLost(error: unknown): boolean {
  if (error instanceof postgres.PostgresError) return error.severity === 'FATAL' || error.severity === 'PANIC';
  if (typeof error !== 'object' || error === null) return false;
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  return typeof syscall === 'string' || (typeof code === 'string' && CONNECTION_ERRORS.has(code));
}

/**
 * A connecting socket, returned before it connects: postgres.js attaches its
 * own error and close handlers and starts its connect timeout, so a refused
 * connection is retried instead of leaving the pool a slot short for good.
 */
function connectWithoutDelay(options: { host: string[]; port: number[]; path?: string | false }): Socket {
  return options.path ? connect({ path: options.path }) : connect({ host: options.host[0], port: options.port[0], noDelay: true });
}

/** Every statement here is fixed text with parameters: prepared once per connection and reused. */
async function run<R extends object>(sql: postgres.Sql, text: string, values?: readonly unknown[]): Promise<R[]> {
  return (await statement(sql, text, values)) as unknown as R[];
}

function statement(sql: postgres.Sql | postgres.TransactionSql, text: string, values?: readonly unknown[]) {
  return sql.unsafe(text, (values ?? []).map(parameter) as postgres.ParameterOrJSON<never>[], { prepare: true });
}

/**
 * postgres.js types a JS array by its first element (an array of Dates would
 * be sent as one timestamptz); sent as text, the server types it from the
 * statement instead (`$1::timestamptz[]`, or the column it goes into).
 */
function parameter(value: unknown): unknown {
  return Array.isArray(value) && value[0] instanceof Date ? value.map((d: Date) => d.toISOString()) : value;
}
