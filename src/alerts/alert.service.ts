import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { InjectAlertsConfig, InjectConfig } from '../config/config.tokens.js';
import type { AlertsConfig, AppConfig } from '../config/app-config.js';

export type AlertKind = 'sms_budget_exhausted' | 'sms_enrolment_budget_exhausted' | 'sms_prefix_blocked' | 'sms_spend_budget_exhausted' | 'sms_country_spike' | 'lockout_wave' | 'failed_verify_spike';

/** How long the same kind of alert stays quiet after it fired (per instance). */
const QUIET_SECONDS = 15 * 60;

/**
 * Tells operators when figures turn abnormal: a warning in the log and, when
 * ALERT_WEBHOOK_URL is set, a JSON POST to it (Slack-style `text` plus the
 * details). Details are counts and country codes — never a number or code.
 */
@Injectable()
export class AlertService {
  private readonly logger = new Logger('Alerts');
  private readonly lastFired = new Map<string, number>();

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @InjectAlertsConfig() private readonly alerts: AlertsConfig,
    private readonly clock: Clock,
  ) {}

  /** Returns whether the alert was raised (false while the same alert is quiet). */
  async raise(kind: AlertKind, summary: string, details: Record<string, string | number>): Promise<boolean> {
    const now = this.clock.now().getTime();
    const key = `${kind}:${JSON.stringify(details.country ?? '')}`;
    const last = this.lastFired.get(key);
    if (last !== undefined && now - last < QUIET_SECONDS * 1000) return false;
    this.lastFired.set(key, now);
    this.logger.warn({ alert: kind, ...details }, summary);
    const url = this.alerts.webhookUrl;
    if (url) {
      try {
        await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: `[${this.config.appName}] ${summary}`, kind, details, at: new Date(now).toISOString() }),
          signal: AbortSignal.timeout(5000),
        });
      } catch {
        this.logger.warn({ alert: kind }, 'alert webhook unreachable');
      }
    }
    return true;
  }
}
