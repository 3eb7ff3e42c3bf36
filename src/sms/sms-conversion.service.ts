import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AlertService } from '../alerts/alert.service.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import { RateCountersRepository } from '../common/rate-counters.repository.js';
import { InjectConfig } from '../config/config.tokens.js';
import type { AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { phonePrefix } from './phone-number.js';
import type { SmsPrefixBlock } from './sms-prefix-block.entity.js';
import { SmsPrefixBlocksRepository } from './sms-prefix-blocks.repository.js';
import { counter, gauge } from './sms-metrics.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3600_000;
/** How long one instance trusts its list of blocked prefixes before reading it again. */
const BLOCK_LIST_TTL_MS = 5000;
/** A prefix's conversion is re-evaluated after this many sends from this instance, or this long. */
const EVALUATE_EVERY_SENDS = 10;
const EVALUATE_EVERY_MS = 30_000;

const prefixBlocks = counter('sesame_sms_prefix_blocks_total', 'Number prefixes blocked for collapsed conversion', ['country']);
const prefixesBlocked = gauge('sesame_sms_prefixes_blocked', 'Number prefixes blocked right now (this instance’s view)', []);

export const prefixSentKey = (prefix: string) => `sms:prefix:${prefix}`;
const prefixVerifiedKey = (prefix: string) => `sms:verified:${prefix}`;
const minuteOf = (ms: number) => new Date(Math.floor(ms / MINUTE_MS) * MINUTE_MS);

/**
 * Conversion (codes verified ÷ codes sent) per number prefix, over a sliding
 * hour in one-minute buckets of the rate counters, and the automatic block
 * of a prefix being pumped: volume rising (more codes this hour than the hour
 * before, and at least SMS_PREFIX_MIN_VOLUME) while conversion collapses
 * (under SMS_PREFIX_MIN_CONVERSION). Toll-fraud traffic is sent to numbers
 * nobody reads, so its codes are never verified; real users verify most of
 * theirs within a minute.
 *
 * Sends are counted in the send-caps statement and verifications in the
 * statement that consumes the code, so neither adds a round trip; the
 * evaluation runs after the send, at most every ten sends or 30 s per prefix.
 */
@Injectable()
export class SmsConversionService {
  private readonly logger = new Logger('SmsConversion');
  private blocked = new Set<string>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private readonly pending = new Map<string, { sends: number; at: number }>();

  constructor(
    private readonly db: Database,
    private readonly counters: RateCountersRepository,
    private readonly blocks: SmsPrefixBlocksRepository,
    private readonly alerts: AlertService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  prefixOf(e164: string): string {
    return phonePrefix(e164, this.config.sms.prefix.digits);
  }

  /** Whether codes to this prefix are blocked (this instance's list, at most five seconds old). */
  async isBlocked(prefix: string): Promise<boolean> {
    const now = this.clock.now().getTime();
    if (now - this.loadedAt > BLOCK_LIST_TTL_MS) {
      this.blocked = new Set(await this.blocks.activePrefixes(this.db));
      this.loadedAt = now;
      prefixesBlocked.set(this.blocked.size);
    }
    return this.blocked.has(prefix);
  }

  /** The CTE that counts a verified code for its prefix, inside the statement that consumes it. */
  verifiedCounter(prefix: string, when: string): (offset: number) => { text: string; values: unknown[] } {
    return (offset) => RateCountersRepository.hitCte('prefix_verified', offset, prefixVerifiedKey(prefix), minuteOf(this.clock.now().getTime()), when);
  }

  /** After a code went to the prefix: now and then, looks at the prefix's conversion. */
  async afterSend(prefix: string, country: string): Promise<void> {
    const now = this.clock.now().getTime();
    const seen = this.pending.get(prefix) ?? { sends: 0, at: now };
    seen.sends += 1;
    this.pending.set(prefix, seen);
    if (seen.sends < EVALUATE_EVERY_SENDS && now - seen.at < EVALUATE_EVERY_MS) return;
    this.pending.delete(prefix);
    try {
      await this.evaluate(prefix, country, now);
    } catch (error) {
      // The send went out; a failed evaluation is tried again with the next sends.
      this.logger.warn({ err: error }, 'prefix conversion check failed');
    }
  }

  list(): Promise<SmsPrefixBlock[]> {
    return this.blocks.list(this.db, new Date(this.clock.now().getTime() - 30 * 24 * HOUR_MS));
  }

  /** An admin lifts a block after review; the prefix is not blocked again automatically for an hour. */
  async lift(id: string, actorId: string, meta: RequestMeta): Promise<SmsPrefixBlock | null> {
    const lifted = await this.blocks.lift(this.db, id, actorId, this.clock.now());
    if (!lifted) return null;
    this.blocked.delete(lifted.prefix);
    prefixesBlocked.set(this.blocked.size);
    await this.audit.record({ type: 'admin.sms_prefix.lifted', actorId, meta, metadata: { prefix: lifted.prefix, country: lifted.country } });
    return lifted;
  }

  private async evaluate(prefix: string, country: string, now: number): Promise<void> {
    const { minVolume, minConversion } = this.config.sms.prefix;
    const thisMinute = minuteOf(now).getTime();
    const hourAgo = new Date(thisMinute - HOUR_MS + MINUTE_MS);
    const until = new Date(thisMinute + MINUTE_MS);
    const [sent, verified, sentHourBefore] = await this.counters.sums(this.db, [
      { key: prefixSentKey(prefix), since: hourAgo, until },
      { key: prefixVerifiedKey(prefix), since: hourAgo, until },
      { key: prefixSentKey(prefix), since: new Date(hourAgo.getTime() - HOUR_MS), until: hourAgo },
    ]);
    if (sent! < minVolume || sent! <= sentHourBefore! || verified! / sent! >= minConversion) return;
    const lastLift = await this.blocks.lastLiftedAt(this.db, prefix);
    if (lastLift && now - lastLift.getTime() < HOUR_MS) return;
    const block = await this.blocks.block(this.db, {
      id: randomUUID(),
      prefix,
      country,
      reason: 'conversion_collapsed',
      sent: sent!,
      verified: verified!,
      blockedAt: new Date(now),
      liftedAt: null,
      liftedBy: null,
    });
    this.blocked.add(prefix);
    prefixesBlocked.set(this.blocked.size);
    if (!block) return; // another instance blocked it first
    prefixBlocks.inc({ country });
    const details = { prefix, country, sentLastHour: sent!, verifiedLastHour: verified!, minConversion };
    await this.audit.record({ type: 'sms.prefix.blocked', metadata: details });
    await this.alerts.raise('sms_prefix_blocked', `SMS to ${prefix} blocked: codes sent but not verified (pumping)`, details);
  }
}
