import { Injectable } from '@nestjs/common';
import type { Sql } from '../database/database.js';

/** One counter to read back: its key, the start of its current bucket, and the oldest bucket that still counts. */
export interface CounterWindow {
  key: string;
  bucket: Date;
  since: Date;
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
   */
  async hitAndRead(sql: Sql, hit: CounterWindow[], read: CounterWindow[]): Promise<Map<string, number>> {
    const sorted = [...hit].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const rows = await sql.query<{ key: string; total: number }>(
      `WITH up AS (
         INSERT INTO rate_counters AS c (key, window_start, hits)
         SELECT k, w, 1 FROM unnest($1::text[], $2::timestamptz[]) WITH ORDINALITY AS t(k, w, n) ORDER BY n
         ON CONFLICT (key, window_start) DO UPDATE SET hits = c.hits + 1
         RETURNING c.key, c.hits
       )
       SELECT r.k AS key,
              (coalesce((SELECT sum(c.hits) FROM rate_counters c WHERE c.key = r.k AND c.window_start >= r.since AND c.window_start < r.bucket), 0)
               + coalesce((SELECT up.hits FROM up WHERE up.key = r.k),
                          (SELECT c.hits FROM rate_counters c WHERE c.key = r.k AND c.window_start = r.bucket), 0))::int AS total
         FROM unnest($3::text[], $4::timestamptz[], $5::timestamptz[]) AS r(k, bucket, since)`,
      [sorted.map((h) => h.key), sorted.map((h) => h.bucket), read.map((r) => r.key), read.map((r) => r.bucket), read.map((r) => r.since)],
    );
    return new Map(rows.map((r) => [r.key, r.total]));
  }

  /** Gives back hits that were refused, so a refused request does not use up anyone's cap. */
  async giveBack(sql: Sql, hit: CounterWindow[]): Promise<void> {
    const sorted = [...hit].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    await sql.query(
      `UPDATE rate_counters c SET hits = c.hits - 1
         FROM unnest($1::text[], $2::timestamptz[]) AS t(k, w)
        WHERE c.key = t.k AND c.window_start = t.w AND c.hits > 0`,
      [sorted.map((h) => h.key), sorted.map((h) => h.bucket)],
    );
  }
}
