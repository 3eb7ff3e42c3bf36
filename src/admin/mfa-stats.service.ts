import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AuditEventType } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import type { BreakerState } from '../sms/circuit-breaker.js';
import { SmsRouter } from '../sms/sms-router.js';
import { validationFailed } from '../common/errors/problem.exception.js';
import { timeRangeOf, type TimeRangeQueryDto } from './dto/audit-query.dto.js';

export const DEFAULT_STATS_DAYS = 30;
/** A year, leap day included: enough for a yearly report, and a bound on the work one request can ask for. */
export const MAX_STATS_DAYS = 366;
const DAY_MS = 86_400_000;

const VERIFIED = 'mfa.code.verified' satisfies AuditEventType;
const FAILED_ATTEMPT = 'mfa.code.failed' satisfies AuditEventType;
const LOCKED = 'mfa.challenge.locked' satisfies AuditEventType;

export interface SmsCounts {
  /** One-time codes the provider accepted (`sent`, or later `delivered`). */
  sent: number;
  /** Codes the provider confirmed as delivered to the handset. */
  delivered: number;
  /** Codes given up on (a permanent refusal, or retries exhausted). */
  failed: number;
}

export interface AttemptCounts {
  verified: number;
  failedAttempts: number;
  lockouts: number;
}

export type MfaCounts = SmsCounts & AttemptCounts;

export interface MfaStats {
  from: string;
  to: string;
  totals: MfaCounts;
  /** Every UTC day the window touches, oldest first, days without activity included. */
  byDay: Array<{ day: string } & MfaCounts>;
  /** Countries with at least one code sent or failed, most codes sent first. */
  byCountry: Array<{ country: string } & SmsCounts>;
  /** Every configured SMS provider (and any other that carried codes in the window): its breaker as this instance sees it now, and its counts. */
  providers: Array<{ provider: string; breaker: BreakerState | null } & SmsCounts>;
  /** Number prefixes blocked for SMS pumping right now (GET /admin/sms/prefix-blocks). */
  prefixesBlocked: number;
}

/** Codes per provider that carried them, over the same window and rows as SMS_STATS_SQL. */
export const PROVIDER_STATS_SQL = `
SELECT provider,
       count(*) FILTER (WHERE status IN ('sent', 'delivered')) AS sent,
       count(*) FILTER (WHERE status = 'delivered') AS delivered,
       count(*) FILTER (WHERE status = 'failed') AS failed
  FROM sms_messages
 WHERE kind = 'otp' AND status IN ('sent', 'delivered', 'failed') AND created_at >= $1 AND created_at < $2
 GROUP BY provider
 ORDER BY provider`;

/**
 * SMS outcomes from the outbox, one row per OTP message, each counted on the
 * UTC day it was queued so that a day's delivered never exceeds its sent.
 * One pass yields per day, per country and the total (GROUPING SETS).
 * sms_messages has no index on created_at alone, so this reads the table.
 */
export const SMS_STATS_SQL = `
SELECT CASE GROUPING(day, country) WHEN 1 THEN 'day' WHEN 2 THEN 'country' ELSE 'total' END AS level,
       to_char(day, 'YYYY-MM-DD') AS bucket_day,
       country,
       count(*) FILTER (WHERE status IN ('sent', 'delivered')) AS sent,
       count(*) FILTER (WHERE status = 'delivered') AS delivered,
       count(*) FILTER (WHERE status = 'failed') AS failed
  FROM (SELECT (created_at AT TIME ZONE 'UTC')::date AS day, destination_country AS country, status
          FROM sms_messages
         WHERE kind = 'otp' AND status IN ('sent', 'delivered', 'failed')
           AND created_at >= $1 AND created_at < $2) AS m
 GROUP BY GROUPING SETS ((day), (country), ())
 ORDER BY GROUPING(day, country), bucket_day, sent DESC, country`;

/**
 * Code checks from the audit log. The window is an index condition on
 * (type, created_at) or on (created_at) — the planner picks by the share of
 * MFA events — so the work grows with the window, not with the whole log.
 */
export const ATTEMPT_STATS_SQL = `
SELECT CASE GROUPING(day) WHEN 0 THEN 'day' ELSE 'total' END AS level,
       to_char(day, 'YYYY-MM-DD') AS bucket_day,
       count(*) FILTER (WHERE type = $3) AS verified,
       count(*) FILTER (WHERE type = $4) AS failed_attempts,
       count(*) FILTER (WHERE type = $5) AS lockouts
  FROM (SELECT (created_at AT TIME ZONE 'UTC')::date AS day, type
          FROM audit_events
         WHERE type IN ($3, $4, $5)
           AND created_at >= $1 AND created_at < $2) AS e
 GROUP BY GROUPING SETS ((day), ())
 ORDER BY GROUPING(day), bucket_day`;

export const ATTEMPT_TYPES = [VERIFIED, FAILED_ATTEMPT, LOCKED] as const;

interface SmsRow {
  level: 'day' | 'country' | 'total';
  bucket_day: string | null;
  country: string | null;
  sent: string;
  delivered: string;
  failed: string;
}

interface AttemptRow {
  level: 'day' | 'total';
  bucket_day: string | null;
  verified: string;
  failed_attempts: string;
  lockouts: string;
}

/** MFA figures for the admin dashboard, counted by Postgres. */
@Injectable()
export class MfaStatsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly router: SmsRouter,
  ) {}

  async compute(query: TimeRangeQueryDto): Promise<MfaStats> {
    const { from, to } = this.window(query);
    // One snapshot for both tables, so the figures describe a single moment.
    const [smsRows, attemptRows, providerRows, blocked] = await this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const sms: SmsRow[] = await manager.query(SMS_STATS_SQL, [from, to]);
      const attempts: AttemptRow[] = await manager.query(ATTEMPT_STATS_SQL, [from, to, ...ATTEMPT_TYPES]);
      const providers: Array<{ provider: string; sent: string; delivered: string; failed: string }> = await manager.query(PROVIDER_STATS_SQL, [from, to]);
      const [{ n }] = await manager.query(`SELECT count(*)::int AS n FROM sms_prefix_blocks WHERE lifted_at IS NULL`);
      return [sms, attempts, providers, n as number] as const;
    });

    const byDay = new Map(utcDays(from, to).map((day) => [day, { day, ...zeroCounts() }]));
    const totals = zeroCounts();
    const byCountry: MfaStats['byCountry'] = [];
    for (const row of smsRows) {
      const counts = { sent: Number(row.sent), delivered: Number(row.delivered), failed: Number(row.failed) };
      if (row.level === 'total') Object.assign(totals, counts);
      else if (row.level === 'country') byCountry.push({ country: row.country ?? '', ...counts });
      else if (row.bucket_day !== null) Object.assign(dayEntry(byDay, row.bucket_day), counts);
    }
    for (const row of attemptRows) {
      const counts = {
        verified: Number(row.verified),
        failedAttempts: Number(row.failed_attempts),
        lockouts: Number(row.lockouts),
      };
      if (row.level === 'total') Object.assign(totals, counts);
      else if (row.bucket_day !== null) Object.assign(dayEntry(byDay, row.bucket_day), counts);
    }
    const breakers = new Map(this.router.states().map((s) => [s.provider, s.breaker]));
    const counted = new Map(providerRows.map((r) => [r.provider, { sent: Number(r.sent), delivered: Number(r.delivered), failed: Number(r.failed) }]));
    const providers = [...new Set([...breakers.keys(), ...counted.keys()])].map((provider) => ({
      provider,
      breaker: breakers.get(provider) ?? null,
      ...(counted.get(provider) ?? { sent: 0, delivered: 0, failed: 0 }),
    }));
    return { from: from.toISOString(), to: to.toISOString(), totals, byDay: [...byDay.values()], byCountry, providers, prefixesBlocked: blocked };
  }

  /** `[from, to)`: to defaults to now, from to 30 days before to; at most 366 days. */
  private window(query: TimeRangeQueryDto): { from: Date; to: Date } {
    const range = timeRangeOf(query);
    const to = range.to ?? this.clock.now();
    const from = range.from ?? new Date(to.getTime() - DEFAULT_STATS_DAYS * DAY_MS);
    if (from.getTime() >= to.getTime()) throw validationFailed([{ field: 'from', message: 'must be before to' }]);
    if (to.getTime() - from.getTime() > MAX_STATS_DAYS * DAY_MS) {
      throw validationFailed([{ field: 'from', message: `must be at most ${MAX_STATS_DAYS} days before to` }]);
    }
    return { from, to };
  }
}

function zeroCounts(): MfaCounts {
  return { sent: 0, delivered: 0, failed: 0, verified: 0, failedAttempts: 0, lockouts: 0 };
}

/** The UTC dates `[from, to)` touches, as YYYY-MM-DD. */
function utcDays(from: Date, to: Date): string[] {
  const days: string[] = [];
  for (let t = Math.floor(from.getTime() / DAY_MS) * DAY_MS; t < to.getTime(); t += DAY_MS) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

function dayEntry(byDay: Map<string, MfaStats['byDay'][number]>, day: string): MfaStats['byDay'][number] {
  let entry = byDay.get(day);
  // Cannot happen while SQL and utcDays agree on UTC days; kept total rather than dropping counts.
  if (!entry) {
    entry = { day, ...zeroCounts() };
    byDay.set(day, entry);
  }
  return entry;
}
