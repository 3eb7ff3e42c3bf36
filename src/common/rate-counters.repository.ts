import { Injectable } from '@nestjs/common';
import type { Sql } from '../database/database.js';

/** One counter to read back: its key, the start of its current bucket, and the oldest bucket that still counts. */
export interface CounterWindow {
  key: string;
  bucket: Date;
  since: Date;
  /** What one hit adds (default 1): a spend budget counts the price of each send. */
  weight?: number;
}

/**
 * The SQL of `rate_counters`: one row per key and time bucket, incremented
 * with one `INSERT … ON CONFLICT DO UPDATE … RETURNING`. Keys are locked in
 * sorted order, so two reservations can never deadlock.
 */
@Injectable()
export class RateCountersRepository {
  /**
   * Adds one hit to each of `hit` (in its current bucket) and returns, for
   * each of `read`, the hits in its buckets from `since` up to now. For a key
   * just hit, the current bucket's count is the one the upsert left, so
   * concurrent reservations each see the others'.
   *
   * `read` windows belong to groups (`limits[group]`): `within` says whether
   * every group's total, this hit included, stays within its limit, and
   * `then` (CTEs whose writes are made conditional on `when`) runs in the
   * same statement, so a send is recorded only together with its place
   * under the caps, in one round trip.
   */
  async hitAndRead(
    sql: Sql,
    hit: CounterWindow[],
    read: Array<CounterWindow & { group: number }>,
    limits: number[],
    then?: (offset: number, when: string) => { text: string; values: unknown[] },
  ): Promise<{ totals: Map<string, number>; within: boolean }> {
    const sorted = [...hit].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const values: unknown[] = [
      sorted.map((h) => h.key),
      sorted.map((h) => h.bucket),
      read.map((r) => r.key),
      read.map((r) => r.bucket),
      read.map((r) => r.since),
      read.map((r) => r.group + 1),
      limits,
      sorted.map((h) => h.weight ?? 1),
    ];
    const more = then?.(values.length, '(SELECT ok FROM within)');
    const rows = await sql.query<{ key: string; total: number; within: boolean }>(
      `WITH up AS (
         INSERT INTO rate_counters AS c (key, window_start, hits)
         SELECT k, w, wt FROM unnest($1::text[], $2::timestamptz[], $8::int[]) WITH ORDINALITY AS t(k, w, wt, n) ORDER BY n
         ON CONFLICT (key, window_start) DO UPDATE SET hits = c.hits + EXCLUDED.hits
         RETURNING c.key, c.hits
       ), totals AS (
         SELECT r.k AS key, r.g AS grp,
                (coalesce((SELECT sum(c.hits) FROM rate_counters c WHERE c.key = r.k AND c.window_start >= r.since AND c.window_start < r.bucket), 0)
                 + coalesce((SELECT up.hits FROM up WHERE up.key = r.k),
                            (SELECT c.hits FROM rate_counters c WHERE c.key = r.k AND c.window_start = r.bucket), 0))::int AS total
           FROM unnest($3::text[], $4::timestamptz[], $5::timestamptz[], $6::int[]) AS r(k, bucket, since, g)
       ), within AS (
         SELECT coalesce(bool_and(g.total <= l.lim), true) AS ok
           FROM (SELECT grp, sum(total) AS total FROM totals GROUP BY grp) g
           JOIN unnest($7::int[]) WITH ORDINALITY AS l(lim, grp) ON l.grp = g.grp
       )${more ? `, ${more.text}` : ''}
       SELECT key, total, (SELECT ok FROM within) AS within FROM totals`,
      [...values, ...(more?.values ?? [])],
    );
    return { totals: new Map(rows.map((r) => [r.key, r.total])), within: rows[0]?.within ?? true };
  }

  /** For each window, the hits of `key` in buckets from `since` (inclusive) to `until` (exclusive). */
  async sums(sql: Sql, windows: Array<{ key: string; since: Date; until: Date }>): Promise<number[]> {
    const rows = await sql.query<{ n: number; total: number }>(
      `SELECT w.n::int AS n, coalesce((SELECT sum(c.hits) FROM rate_counters c WHERE c.key = w.k AND c.window_start >= w.s AND c.window_start < w.u), 0)::int AS total
         FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS w(k, s, u, n)`,
      [windows.map((w) => w.key), windows.map((w) => w.since), windows.map((w) => w.until)],
    );
    const out = windows.map(() => 0);
    for (const r of rows) out[r.n - 1] = r.total;
    return out;
  }

  /**
   * One hit on `key`'s bucket `bucket`, as a CTE for another repository's
   * statement, written only if `when` (SQL) holds: a count that rides on the
   * statement it counts (the verified code of a prefix).
   */
  static hitCte(name: string, offset: number, key: string, bucket: Date, when: string): { text: string; values: unknown[] } {
    return {
      text: `${name} AS (INSERT INTO rate_counters AS rc (key, window_start, hits) SELECT $${offset + 1}, $${offset + 2}, 1 WHERE ${when}
               ON CONFLICT (key, window_start) DO UPDATE SET hits = rc.hits + 1 RETURNING rc.key)`,
      values: [key, bucket],
    };
  }

  /** Gives back hits that were refused, so a refused request does not use up anyone's cap. */
  async giveBack(sql: Sql, hit: CounterWindow[]): Promise<void> {
    const sorted = [...hit].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // The rows are locked in key order first, as the upsert locks them: an UPDATE … FROM locks in whatever
    // order its plan visits them, and two refusals giving back the same rows then deadlock.
    await sql.query(
      `WITH locked AS (
         SELECT c.key, c.window_start FROM rate_counters c
           JOIN unnest($1::text[], $2::timestamptz[], $3::int[]) AS t(k, w, wt) ON c.key = t.k AND c.window_start = t.w
          ORDER BY c.key FOR UPDATE OF c
       )
       UPDATE rate_counters c SET hits = GREATEST(c.hits - t.wt, 0)
         FROM locked JOIN unnest($1::text[], $2::timestamptz[], $3::int[]) AS t(k, w, wt) ON locked.key = t.k AND locked.window_start = t.w
        WHERE c.key = locked.key AND c.window_start = locked.window_start AND c.hits > 0`,
      [sorted.map((h) => h.key), sorted.map((h) => h.bucket), sorted.map((h) => h.weight ?? 1)],
    );
  }
}
