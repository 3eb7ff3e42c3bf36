import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { InjectSmsConfig } from '../config/config.tokens.js';
import type { SmsConfig } from '../config/app-config.js';
import { AlertService } from './alert.service.js';

/** Failed second-factor attempts across all accounts in ten minutes that count as a spike. */
export const FAILED_ATTEMPTS_SPIKE = 200;
/** Challenges locked across all accounts in ten minutes that count as a lockout wave. */
export const LOCKOUT_WAVE = 20;
/** How often one process re-counts a figure; the counts are cheap but not free. */
const CHECK_EVERY_MS = 30_000;

/**
 * Watches the figures that betray an attack (product.md: failed-verify
 * spikes, SMS volume spikes to one country, lockout waves) and raises an
 * alert. Checks run after the request's work and never fail it.
 */
@Injectable()
export class AbuseMonitorService {
  private readonly logger = new Logger('AbuseMonitor');
  private readonly lastCheck = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectSmsConfig() private readonly sms: SmsConfig,
    private readonly alerts: AlertService,
    private readonly clock: Clock,
  ) {}

  /** One country taking a large share of the hourly SMS budget is the mark of SMS pumping. */
  countryThreshold(): number {
    return Math.max(10, Math.floor(this.sms.hourlyBudget / 5));
  }

  afterSmsSent(country: string): Promise<void> {
    return this.check(`country:${country}`, async () => {
      const hourAgo = new Date(this.clock.now().getTime() - 3600_000);
      const [{ n }] = await this.dataSource.query(
        `SELECT count(*)::int AS n FROM sms_messages WHERE kind = 'otp' AND created_at > $1 AND destination_country = $2`,
        [hourAgo, country],
      );
      if (n >= this.countryThreshold()) {
        await this.alerts.raise('sms_country_spike', `SMS volume spike to ${country}`, { country, sentLastHour: n, threshold: this.countryThreshold() });
      }
    });
  }

  afterFailedAttempt(): Promise<void> {
    return this.check('failed', () => this.countAudit('mfa.code.failed', FAILED_ATTEMPTS_SPIKE, 'failed_verify_spike', 'Spike in failed second-factor attempts'));
  }

  afterLockout(): Promise<void> {
    return this.check('locked', () => this.countAudit('mfa.challenge.locked', LOCKOUT_WAVE, 'lockout_wave', 'Wave of locked challenges'));
  }

  private async countAudit(type: string, threshold: number, kind: 'failed_verify_spike' | 'lockout_wave', summary: string) {
    const since = new Date(this.clock.now().getTime() - 600_000);
    const [{ n }] = await this.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE type = $1 AND created_at > $2`, [type, since]);
    if (n >= threshold) await this.alerts.raise(kind, summary, { lastTenMinutes: n, threshold });
  }

  private async check(key: string, run: () => Promise<void>): Promise<void> {
    const now = this.clock.now().getTime();
    const last = this.lastCheck.get(key);
    if (last !== undefined && now - last < CHECK_EVERY_MS) return;
    this.lastCheck.set(key, now);
    try {
      await run();
    } catch (error) {
      this.logger.warn({ err: error }, 'abuse check failed');
    }
  }
}
