import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

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
 * The hot path's access to Postgres: parameterised SQL on the same pg pool
 * TypeORM opened (one pool per process), without a query builder in between.
 */
@Injectable()
export class Database implements Sql {
  private readonly openTransaction = new AsyncLocalStorage<true>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get pool(): Pool {
    // TypeORM's Postgres driver keeps its pg.Pool as `master`.
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  async query<R extends object = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<R[]> {
    if (this.openTransaction.getStore()) throw new PoolQueryInsideTransactionError();
    const result = await this.pool.query<R>(text, values as unknown[] | undefined);
    return result.rows;
  }

  /** Runs `work` in one transaction (READ COMMITTED); a throw rolls it back and is rethrown. */
  async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.openTransaction.getStore()) throw new PoolQueryInsideTransactionError();
    const client = await this.pool.connect();
    const before: Array<() => Promise<void>> = [];
    const after: Array<() => void | Promise<void>> = [];
    const tx: Tx = {
      query: async <R extends object>(text: string, values?: readonly unknown[]) =>
        (await client.query<R>(text, values as unknown[] | undefined)).rows,
      beforeCommit: (hook) => before.push(hook),
      afterCommit: (hook) => after.push(hook),
    };
    let result: T;
    let broken = false;
    try {
      await client.query('BEGIN');
      result = await this.openTransaction.run(true, async () => {
        const value = await work(tx);
        for (const hook of before) await hook();
        return value;
      });
      await client.query('COMMIT');
    } catch (error) {
      broken = await rollback(client);
      throw error;
    } finally {
      // A connection whose ROLLBACK failed is in an unknown state: it is closed, not reused.
      client.release(broken || undefined);
    }
    for (const hook of after) await hook();
    return result;
  }
}

async function rollback(client: PoolClient): Promise<boolean> {
  try {
    await client.query('ROLLBACK');
    return false;
  } catch {
    return true;
  }
}
