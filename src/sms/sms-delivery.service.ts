import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { AbuseMonitorService } from '../alerts/abuse-monitor.service.js';
import { AuditService, type AuditRecord } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { SecretsService } from '../common/crypto/secrets.service.js';
import { isDatabaseUnavailable } from '../common/errors/problem-details.filter.js';
import { InjectConfig } from '../config/config.tokens.js';
import type { AppConfig } from '../config/app-config.js';
import { assertNever } from '../vocabulary/factor-type.js';
import { Database, type Sql, type Tx } from '../database/database.js';
import { failsOver, isProviderFault, SmsRouter, type RoutedProvider } from './sms-router.js';
import type { SmsSendResult } from './sms-sender.js';
import type { SmsMessage, SmsMessageKind } from './sms-message.entity.js';
import { SmsMessagesRepository, type FinishPatch } from './sms-messages.repository.js';
import { smsFailoversTotal, smsMessagesTotal, smsSpendTotal } from './sms-metrics.js';

/**
 * The outbox worker's name in Nest's SchedulerRegistry: it looks for due
 * messages every second. A test that drives `pollOnce()` itself deletes it there.
 */
export const SMS_OUTBOX_WORKER = 'sms-outbox-worker';
const WORKER_INTERVAL_MS = 1000;

/** Attempts per message before it is given up as failed. */
export const MAX_SEND_ATTEMPTS = 5;
/**
 * How long a sender owns a row before another may take it over; renewed every
 * HEARTBEAT_MS while the send is in flight. A sender that dies mid-send leaves
 * its rows leased for up to this long after its last renewal, and the worker
 * (every second) picks them up after that: 6 s keeps a crash's codes arriving
 * within 10 s of the restart, with three renewals per lease so one or two
 * slow ones do not hand a live send to another instance.
 */
export const LEASE_SECONDS = 6;
const HEARTBEAT_MS = 2000;
/** Send outcomes written by one statement at most (each carries its audit row). */
const RECORD_BATCH = 50;

export interface Destination {
  e164: string;
  country: string;
  masked: string;
}

export type DeliveryOutcome =
  | { status: 'sent' }
  | { status: 'retry'; reason: string }
  | { status: 'failed'; reason: string }
  | { status: 'expired' }
  | { status: 'busy' };

/**
 * Regenerates the code of an OTP message whose code is no longer in memory
 * (the process restarted between commit and send). Returns the new code, or
 * null when the challenge can no longer be used and the message must not go.
 */
export type CodeReissuer = (challengeId: string, tx: Tx) => Promise<string | null>;

/**
 * Counts a replacement code against the challenge's resends; false when the
 * challenge cannot take one more (used, locked, expired, resends spent).
 */
export type ResendGate = (challengeId: string, tx: Tx) => Promise<boolean>;

/** What the client is told of a challenge's code (GET /auth/mfa/challenges/:id). */
export type DeliveryState = 'queued' | 'sent' | 'delivered' | 'failed' | 'failing_over';

/** How far back the failover scan looks: codes live at most 10 minutes (security.md). */
const FAILOVER_WINDOW_MS = 600_000;

/** Providers that post delivery receipts; a code through them with no receipt in time is failed over. */
const RECEIPT_PROVIDERS = ['vonage'];

/**
 * The SMS outbox. A message is written in the same statement or transaction
 * as the change it belongs to, already leased to this process, and handed to
 * the provider as soon as that commits: no second read, no claim, no waiting
 * for a poll. The worker is for what that hand-off could not finish: retries
 * with backoff, and rows whose sender died (its lease ran out) — picked up with
 * `FOR UPDATE SKIP LOCKED`, so several instances never send one row twice.
 * While a send is in flight its lease is renewed every few seconds, so the
 * lease can be short and a crash is recovered from in seconds.
 *
 * Kept in-house rather than on a job queue library: a queue would add its own
 * insert and fetch per message on the hot path, and could not hand the code
 * over in memory (decisions in the README).
 *
 * The plaintext code lives only in this process's memory (keyed by message
 * id) and in the text handed to the provider (security.md). After a restart
 * the code is gone, so the worker issues a fresh one for the same challenge.
 */
@Injectable()
export class SmsDeliveryService implements OnModuleDestroy {
  private readonly logger = new Logger('SmsDelivery');
  private readonly codes = new Map<string, string>();
  /** Rows this process is sending right now; their leases are renewed by the heartbeat. */
  private readonly inFlight = new Set<string>();
  private reissuer: CodeReissuer | null = null;
  /** Set on shutdown: a scheduled tick that fires after it does nothing. */
  private stopped = false;
  private resendGate: ResendGate | null = null;
  private polling: Promise<void> | null = null;
  /** Send outcomes waiting for the statement in flight (`record`), and that statement. */
  private readonly unrecorded: Array<{ id: string; patch: FinishPatch; events: AuditRecord[]; resolve: () => void; reject: (error: unknown) => void }> = [];
  private recording: Promise<void> | null = null;
  /** Polls are failing because the database cannot be reached; said once, not once a second. */
  private paused = false;

  constructor(
    private readonly db: Database,
    private readonly messages: SmsMessagesRepository,
    private readonly router: SmsRouter,
    private readonly secrets: SecretsService,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly monitor: AbuseMonitorService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** The challenge side registers how to reissue a lost code (keeps this module free of MFA imports). */
  useCodeReissuer(reissuer: CodeReissuer): void {
    this.reissuer = reissuer;
  }

  /** The challenge side registers how a replacement code is counted against its resends. */
  useResendGate(gate: ResendGate): void {
    this.resendGate = gate;
  }

  /**
   * The delivery state of a challenge's latest code: queued until a provider
   * accepts it, then sent, delivered or failed as receipts say; failing over
   * while a replacement for a failed code waits to go out through another
   * provider.
   */
  async deliveryState(challengeId: string): Promise<DeliveryState> {
    const [latest, ...earlier] = await this.messages.forChallenge(this.db, challengeId);
    if (!latest) return 'queued';
    switch (latest.status) {
      case 'pending':
      case 'sending':
      case 'retry':
        return earlier.some((m) => m.failedOverAt !== null) ? 'failing_over' : 'queued';
      case 'sent':
        return 'sent';
      case 'delivered':
        return 'delivered';
      case 'failed':
      case 'expired':
        return 'failed';
      default:
        return assertNever(latest.status);
    }
  }

  @Interval(SMS_OUTBOX_WORKER, WORKER_INTERVAL_MS)
  async pollOnSchedule(): Promise<void> {
    if (this.stopped) return;
    await this.pollOnce().then(
      () => this.pollSucceeded(),
      (e: unknown) => this.pollFailed(e),
    );
  }

  @Interval(HEARTBEAT_MS)
  async renewLeasesOnSchedule(): Promise<void> {
    if (!this.stopped) await this.renewLeases();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.polling;
    await this.recording;
  }

  get provider(): string {
    return this.router.primary;
  }

  /**
   * An OTP message ready to be inserted by the caller (see `outboxInsert`),
   * leased to this process so the worker leaves it alone while `dispatch`
   * sends it. The code is kept in memory only.
   */
  prepareOtp(input: { userId: string; challengeId: string; destination: Destination; locale: string; text: string; code: string }): SmsMessage {
    const message = this.build({
      userId: input.userId,
      challengeId: input.challengeId,
      kind: 'otp',
      destination: input.destination,
      locale: input.locale,
      bodyTemplate: input.text.split(input.code).join('{code}'),
    });
    this.codes.set(message.id, input.code);
    return message;
  }

  /** Writes a message without a code (a notice) to the outbox, leased to this process; `dispatch` it after commit. */
  async enqueueNotice(
    sql: Sql,
    input: { userId: string; kind: Exclude<SmsMessageKind, 'otp'>; destination: Destination; locale: string; text: string },
  ): Promise<SmsMessage> {
    const message = this.build({ ...input, challengeId: null, bodyTemplate: input.text });
    await this.messages.insert(sql, message);
    return message;
  }

  /** Sends a message this process inserted, once the inserting statement or transaction has committed. */
  dispatch(message: SmsMessage): Promise<DeliveryOutcome> {
    return this.send(message);
  }

  /** Sends notices one after the other (each to its own number), once their transaction has committed. */
  async dispatchAll(messages: readonly SmsMessage[]): Promise<void> {
    for (const message of messages) await this.send(message);
  }

  /** Forgets a prepared message whose insert did not happen (the statement was refused). */
  discard(message: SmsMessage): void {
    this.codes.delete(message.id);
  }

  /** One worker pass: every due message (to retry, or abandoned by a dead sender). */
  pollOnce(): Promise<void> {
    this.polling ??= (async () => {
      try {
        await this.failOverUndelivered();
        for (;;) {
          const now = this.clock.now();
          const batch = await this.messages.claimDue(this.db, { now, leaseUntil: new Date(now.getTime() + LEASE_SECONDS * 1000), limit: 20 });
          if (batch.length === 0) return;
          for (const message of batch) await this.send(message);
        }
      } finally {
        this.polling = null;
      }
    })();
    return this.polling;
  }

  /**
   * Codes whose receipt said failed or expired, or that have had no receipt
   * for SMS_RECEIPT_TIMEOUT_SECONDS, get a replacement routed around the
   * provider that carried them, counted as one of the challenge's resends.
   * The replacement is a new outbox row, due now, so this same pass sends it;
   * its code is issued fresh when it goes out (the reissuer), since the
   * failed code may yet arrive and is kept only as superseded.
   */
  private async failOverUndelivered(): Promise<void> {
    const now = this.clock.now();
    const timeout = this.config.sms.receiptTimeoutSeconds;
    // Receipts come only with a signature secret to check them; without one, silence means nothing.
    const receiptProviders = timeout > 0 && this.config.sms.vonage.signatureSecret ? RECEIPT_PROVIDERS : [];
    const due = await this.messages.claimFailovers(this.db, {
      now,
      since: new Date(now.getTime() - FAILOVER_WINDOW_MS),
      receiptCutoff: new Date(now.getTime() - timeout * 1000),
      receiptProviders,
      limit: 20,
    });
    for (const failed of due) {
      const gate = this.resendGate;
      if (!gate || !failed.challengeId) continue;
      const challengeId = failed.challengeId;
      const replacement = this.build({
        userId: failed.userId,
        challengeId,
        kind: 'otp',
        destination: {
          e164: this.secrets.open(failed.destinationCiphertext, `sms:${failed.id}`),
          country: failed.destinationCountry,
          masked: failed.destinationMasked,
        },
        locale: failed.locale,
        bodyTemplate: failed.bodyTemplate,
      });
      Object.assign(replacement, {
        status: 'pending',
        attempts: 0,
        lockedUntil: null,
        excludedProviders: [...new Set([...failed.excludedProviders, failed.provider])],
      });
      const queued = await this.db.transaction(async (tx) => {
        if (!(await gate(challengeId, tx))) return false;
        await this.messages.insert(tx, replacement);
        return true;
      });
      smsFailoversTotal.inc({ from: failed.provider, reason: queued ? failed.failoverReason : `${failed.failoverReason}_not_replaced` });
    }
  }

  /**
   * A worker pass failed. While the database is away every pass fails the
   * same way: the first failure is logged and the rest are not, until a pass
   * works again (the HTTP side logs its outage once too).
   */
  private pollFailed(error: unknown): void {
    if (!isDatabaseUnavailable(error)) {
      this.logger.error({ err: error }, 'outbox poll failed');
      return;
    }
    if (this.paused) return;
    this.paused = true;
    this.logger.error({ err: error }, 'outbox paused: the database cannot be reached; retrying every pass');
  }

  private pollSucceeded(): void {
    if (!this.paused) return;
    this.paused = false;
    this.logger.log('outbox resumed');
  }

  private build(input: {
    userId: string | null;
    challengeId: string | null;
    kind: SmsMessageKind;
    destination: Destination;
    locale: string;
    bodyTemplate: string;
  }): SmsMessage {
    const now = this.clock.now();
    const id = randomUUID();
    return {
      id,
      userId: input.userId,
      challengeId: input.challengeId,
      kind: input.kind,
      locale: input.locale,
      bodyTemplate: input.bodyTemplate,
      destinationCiphertext: this.secrets.seal(input.destination.e164, `sms:${id}`),
      destinationHash: this.secrets.lookupHash(input.destination.e164, 'phone'),
      destinationMasked: input.destination.masked,
      destinationCountry: input.destination.country,
      provider: this.router.primary,
      providerMessageId: null,
      status: 'sending',
      attempts: 1,
      nextAttemptAt: now,
      lockedUntil: new Date(now.getTime() + LEASE_SECONDS * 1000),
      lastError: null,
      createdAt: now,
      sentAt: null,
      deliveredAt: null,
      updatedAt: now,
      excludedProviders: [],
      failedOverAt: null,
    };
  }

  /**
   * Outcomes are written as a database group-commits: the first goes at once;
   * those that come while its statement is in flight wait for it and then go
   * together, each with its audit event, in one statement. Under load a burst
   * of sends costs a few round trips instead of one each; alone, a send waits
   * for nothing.
   */
  private record(finish: { id: string; patch: FinishPatch; events: AuditRecord[] }): Promise<void> {
    return new Promise((resolve, reject) => {
      this.unrecorded.push({ ...finish, resolve, reject });
      this.recording ??= this.recordPending();
    });
  }

  private async recordPending(): Promise<void> {
    try {
      while (this.unrecorded.length > 0) {
        const batch = this.unrecorded.splice(0, RECORD_BATCH);
        try {
          await this.audit.recordWith(
            this.db,
            this.messages.finishStatement(batch),
            batch.flatMap((f) => f.events),
          );
          for (const f of batch) f.resolve();
        } catch (error) {
          for (const f of batch) f.reject(error);
        }
      }
    } finally {
      this.recording = null;
    }
  }

  private async renewLeases(): Promise<void> {
    if (this.inFlight.size === 0) return;
    try {
      await this.messages.extendLeases(this.db, [...this.inFlight], new Date(this.clock.now().getTime() + LEASE_SECONDS * 1000));
    } catch (error) {
      this.logger.warn({ err: error }, 'outbox lease renewal failed');
    }
  }

  private async send(message: SmsMessage): Promise<DeliveryOutcome> {
    let text = message.bodyTemplate;
    if (message.kind === 'otp') {
      let code = this.codes.get(message.id) ?? null;
      if (code === null && message.challengeId && this.reissuer) {
        const challengeId = message.challengeId;
        code = await this.db.transaction((tx) => this.reissuer!(challengeId, tx));
      }
      if (code === null) return this.finish(message, { status: 'expired' });
      text = message.bodyTemplate.split('{code}').join(code);
    }
    const to = this.secrets.open(message.destinationCiphertext, `sms:${message.id}`);
    const order = this.router.order(message.destinationCountry, message.excludedProviders);
    let result: SmsSendResult | null = null;
    let provider = message.provider;
    const attempt = async (candidate: RoutedProvider): Promise<SmsSendResult> => {
      if (result && !result.ok) smsFailoversTotal.inc({ from: provider, reason: 'send_error' });
      provider = candidate.name;
      let outcome: SmsSendResult;
      try {
        outcome = await candidate.sender.send({ to, text, reference: message.id });
      } catch {
        // An adapter that throws is treated as a transient fault; its error text is not kept.
        outcome = { ok: false, retryable: true, reason: 'adapter_error' };
      }
      if (isProviderFault(outcome)) candidate.breaker.failed();
      else candidate.breaker.succeeded();
      return outcome;
    };
    this.inFlight.add(message.id);
    try {
      let admitted = false;
      for (const candidate of order) {
        // Asked only as each is reached, so a half-open probe is never taken by a provider left untried.
        if (!candidate.breaker.tryAcquire()) continue;
        admitted = true;
        result = await attempt(candidate);
        // Failover on a send error (timeouts, 5xx, the provider's own account trouble): the same message,
        // the same code, through the next provider at once. A refused number is refused everywhere.
        if (result.ok || !failsOver(result)) break;
      }
      // Every breaker open: the first choice is tried all the same. A breaker is there to route around a
      // failing provider; with nothing left to route to, a code that may arrive beats a certain wait.
      if (!admitted) result = await attempt(order[0]!);
    } finally {
      this.inFlight.delete(message.id);
    }
    message = { ...message, provider };
    const final: SmsSendResult = result ?? { ok: false, retryable: true, reason: 'adapter_error' };
    if (final.ok) return this.finish(message, { status: 'sent' }, final.providerMessageId);
    if (final.retryable && message.attempts < MAX_SEND_ATTEMPTS) {
      return this.finish(message, { status: 'retry', reason: final.reason });
    }
    return this.finish(message, { status: 'failed', reason: final.reason });
  }

  private async finish(message: SmsMessage, outcome: DeliveryOutcome, providerMessageId: string | null = null): Promise<DeliveryOutcome> {
    const now = this.clock.now();
    const patch: FinishPatch = { status: 'sending', now, sentAt: null, providerMessageId: null, lastError: null, nextAttemptAt: null, provider: message.provider };
    switch (outcome.status) {
      case 'sent':
        Object.assign(patch, { status: 'sent', sentAt: now, providerMessageId });
        this.codes.delete(message.id);
        break;
      case 'retry': {
        // Exponential backoff: 1 s, 2 s, 4 s, 8 s between attempts.
        const delay = 2 ** Math.max(0, message.attempts - 1) * 1000;
        Object.assign(patch, { status: 'retry', lastError: outcome.reason, nextAttemptAt: new Date(now.getTime() + delay) });
        break;
      }
      case 'failed':
        Object.assign(patch, { status: 'failed', lastError: outcome.reason });
        this.codes.delete(message.id);
        break;
      case 'expired':
        Object.assign(patch, { status: 'expired' });
        this.codes.delete(message.id);
        break;
      case 'busy':
        return outcome;
    }
    const events: AuditRecord[] = [];
    if (message.kind === 'otp' && (outcome.status === 'sent' || outcome.status === 'failed')) {
      events.push({
        type: outcome.status === 'sent' ? 'mfa.code.sent' : 'mfa.code.send_failed',
        userId: message.userId,
        metadata: {
          challengeId: message.challengeId,
          destination: message.destinationMasked,
          country: message.destinationCountry,
          provider: message.provider,
          attempt: message.attempts,
          ...(outcome.status === 'failed' ? { reason: outcome.reason } : {}),
        },
      });
    }
    await this.record({ id: message.id, patch, events });
    smsMessagesTotal.inc({ provider: message.provider, country: message.destinationCountry, status: patch.status });
    if (patch.status === 'sent') {
      const { prices } = this.config.sms;
      const price = prices[message.destinationCountry] ?? prices['*'];
      if (price !== undefined) smsSpendTotal.inc({ provider: message.provider, country: message.destinationCountry }, price);
    }
    if (message.kind === 'otp' && outcome.status === 'sent') await this.monitor.afterSmsSent(message.destinationCountry);
    return outcome;
  }
}
