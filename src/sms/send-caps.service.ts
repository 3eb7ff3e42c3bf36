import { randomInt } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { RateCountersRepository, type CounterWindow } from '../common/rate-counters.repository.js';
import { Database } from '../database/database.js';
import { prefixSentKey } from './sms-conversion.service.js';

const HOUR_MS = 3600_000;
/** Per-user and per-number caps count in one-minute buckets: the hour they look back over is exact to a minute. */
const PERSONAL_BUCKET_MS = 60_000;
/** The global budget, a circuit breaker, counts in ten-minute buckets (fewer rows to add up on every send). */
const GLOBAL_BUCKET_MS = 600_000;
/**
 * The global budget is counted on this many rows per bucket, one picked at
 * random per send, so that no single row is updated by every login (one hot
 * row would serialise them all behind its lock).
 */
const GLOBAL_SHARDS = 8;
/**
 * Which hourly budget a send is counted in: codes to verified numbers
 * (login, step-up) and codes to new numbers (enrolment) are counted apart,
 * so a flood of enrolments from throwaway accounts spends its own budget and
 * never the one every login depends on.
 */
export type SmsBudget = 'verified' | 'new';

const GLOBAL_KEYS: Record<SmsBudget, string[]> = {
  verified: Array.from({ length: GLOBAL_SHARDS }, (_, i) => `sms:global:${i}`),
  new: Array.from({ length: GLOBAL_SHARDS }, (_, i) => `sms:enrol:${i}`),
};

const SPEND_KEYS = Array.from({ length: GLOBAL_SHARDS }, (_, i) => `sms:spend:${i}`);
/** Spend is counted in ten-thousandths of the price table's currency, so prices like 0.0079 stay whole numbers. */
export const SPEND_UNITS = 10_000;

export type CapReservation =
  | { ok: true }
  | { ok: false; refusedBy: 'user' | 'destination' | 'global' | 'prefix' | 'spend'; sentLastHour: number };

/**
 * Hourly SMS send caps per user, per destination number and for everyone
 * (security.md: SMS abuse). Each send reserves its place first, atomically,
 * and a refused reservation is given back: a burst of parallel requests can
 * never send more than the cap, which a `count(*)` read before the insert
 * could not promise. A send stops counting once it is more than an hour old
 * (to within one bucket).
 */
@Injectable()
export class SendCapsService {
  constructor(
    private readonly db: Database,
    private readonly counters: RateCountersRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Reserves one send under every cap. `then` (CTEs, see
   * RateCountersRepository.hitAndRead) runs in the same statement and writes
   * only when the send is within the caps: the challenge and its outbox row
   * are stored with their place under the caps, or not at all.
   */
  async reserve(
    input: {
      userId: string;
      destinationHash: string;
      perUser: number;
      perDestination: number;
      global: number;
      budget: SmsBudget;
      /** The number's prefix (conversion tracking) and its hourly quota. */
      prefix: string;
      perPrefix: number;
      /** The hourly spend budget and this send's price (SMS_PRICES), when a budget is set. */
      spend?: { price: number; budget: number };
    },
    then?: (offset: number, when: string) => { text: string; values: unknown[] },
  ): Promise<CapReservation> {
    const now = this.clock.now().getTime();
    const personal = (key: string) => windowOf(key, now, PERSONAL_BUCKET_MS);
    const user = personal(`sms:user:${input.userId}`);
    const destination = personal(`sms:dest:${input.destinationHash}`);
    const shards = GLOBAL_KEYS[input.budget].map((key) => windowOf(key, now, GLOBAL_BUCKET_MS));
    const prefix = personal(prefixSentKey(input.prefix));
    const hit = [user, destination, shards[randomInt(GLOBAL_SHARDS)]!, prefix];
    // Groups: 0 the user, 1 the number, 2 everyone (all shards together), 3 the number's prefix.
    const read = [{ ...user, group: 0 }, { ...destination, group: 1 }, ...shards.map((s) => ({ ...s, group: 2 })), { ...prefix, group: 3 }];
    const limits = [input.perUser, input.perDestination, input.global, input.perPrefix];
    let spendShards: CounterWindow[] = [];
    // Group 4: the hour's spend, each send weighted by its price.
    const weight = input.spend ? Math.max(1, Math.round(input.spend.price * SPEND_UNITS)) : 0;
    if (input.spend) {
      spendShards = SPEND_KEYS.map((key) => ({ ...windowOf(key, now, GLOBAL_BUCKET_MS), weight }));
      hit.push(spendShards[randomInt(GLOBAL_SHARDS)]!);
      read.push(...spendShards.map((s) => ({ ...s, group: 4 })));
      limits.push(Math.round(input.spend.budget * SPEND_UNITS));
    }
    const { totals, within } = await this.counters.hitAndRead(this.db, hit, read, limits, then);
    if (within) return { ok: true };
    // Refused (`then` wrote nothing): which cap, from the totals, each of which includes this send.
    const sentByUser = totals.get(user.key) ?? 0;
    const sentToDestination = totals.get(destination.key) ?? 0;
    const sentByEveryone = shards.reduce((sum, s) => sum + (totals.get(s.key) ?? 0), 0);
    const sentToPrefix = totals.get(prefix.key) ?? 0;
    const spent = spendShards.reduce((sum, s) => sum + (totals.get(s.key) ?? 0), 0);
    // When several caps are full at once, the budget for everyone is named before the prefix's quota: it is the
    // one that alerts, and a prefix quota no larger than the budget (its default) fills with it.
    const refusal: CapReservation =
      input.spend && spent > Math.round(input.spend.budget * SPEND_UNITS)
        ? { ok: false, refusedBy: 'spend', sentLastHour: (spent - weight) / SPEND_UNITS }
        : sentByUser > input.perUser
          ? { ok: false, refusedBy: 'user', sentLastHour: sentByUser - 1 }
          : sentToDestination > input.perDestination
            ? { ok: false, refusedBy: 'destination', sentLastHour: sentToDestination - 1 }
            : sentToPrefix > input.perPrefix && sentByEveryone <= input.global
              ? { ok: false, refusedBy: 'prefix', sentLastHour: sentToPrefix - 1 }
              : { ok: false, refusedBy: 'global', sentLastHour: sentByEveryone - 1 };
    await this.counters.giveBack(this.db, hit);
    return refusal;
  }
}

/** The bucket `now` falls in, and the oldest bucket still within the hour before it. */
function windowOf(key: string, now: number, bucketMs: number): CounterWindow {
  const bucket = Math.floor(now / bucketMs) * bucketMs;
  return { key, bucket: new Date(bucket), since: new Date(bucket - HOUR_MS + bucketMs) };
}
