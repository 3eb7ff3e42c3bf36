import type { Clock } from '../common/clock.js';
import { CircuitBreaker, type BreakerState, type CircuitBreakerOptions } from './circuit-breaker.js';
import type { SmsSender, SmsSendResult } from './sms-sender.js';
import { smsBreakerState } from './sms-metrics.js';

export interface RoutedProvider {
  name: string;
  sender: SmsSender;
  breaker: CircuitBreaker;
}

/** Breaker state as a number for the gauge: 0 closed, 1 half-open, 2 open. */
const STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * Refusals that say the provider (its account, credentials or platform)
 * cannot send, as opposed to a refusal of the destination: those are worth
 * the next provider's try. A bad number stays bad at every provider.
 */
const PROVIDER_SIDE = new Set(['bad_credentials', 'no_credit', 'account_barred', 'account_not_enabled', 'invalid_sender', 'sdk_unavailable', 'unexpected']);

/** Whether a failed send should be tried at the next provider. */
export function failsOver(result: Extract<SmsSendResult, { ok: false }>): boolean {
  return result.retryable || PROVIDER_SIDE.has(result.reason);
}

/** Whether a result counts against the provider's health (timeouts, 5xx, throttling, its own account trouble). */
export function isProviderFault(result: SmsSendResult): boolean {
  return !result.ok && failsOver(result);
}

/**
 * Which provider carries an SMS: per destination country from SMS_ROUTES,
 * otherwise SMS_PROVIDER then SMS_FAILOVER_PROVIDERS, each behind its own
 * circuit breaker. The order is only a preference: the outbox walks it and
 * moves on when a provider fails or its breaker is open.
 */
export class SmsRouter {
  private readonly byName = new Map<string, RoutedProvider>();
  private readonly defaultOrder: string[];

  constructor(
    senders: readonly SmsSender[],
    private readonly routes: Readonly<Record<string, readonly string[]>>,
    clock: Clock,
    breaker: CircuitBreakerOptions,
  ) {
    if (senders.length === 0) throw new Error('SmsRouter: at least one sender is required');
    for (const sender of senders) {
      const gauge = smsBreakerState.labels({ provider: sender.provider });
      gauge.set(0);
      this.byName.set(sender.provider, {
        name: sender.provider,
        sender,
        breaker: new CircuitBreaker(clock, breaker, (state) => gauge.set(STATE_VALUE[state])),
      });
    }
    this.defaultOrder = senders.map((s) => s.provider);
  }

  /** The provider a new message is written down for, before it is routed. */
  get primary(): string {
    return this.defaultOrder[0]!;
  }

  /**
   * The providers to try for `country`, best first, leaving out `exclude`
   * (providers whose receipt said the message did not arrive) unless that
   * leaves none. The breakers are asked only as each is reached
   * (`breaker.tryAcquire()`), so a half-open probe is not spent on a
   * provider that is never tried.
   */
  order(country: string, exclude: readonly string[] = []): RoutedProvider[] {
    const preferred = this.routes[country] ?? this.defaultOrder;
    // A route may name only some providers: the others follow as a last resort.
    const names = [...preferred, ...this.defaultOrder.filter((n) => !preferred.includes(n))];
    const all = names.map((n) => this.byName.get(n)).filter((p): p is RoutedProvider => p !== undefined);
    const kept = all.filter((p) => !exclude.includes(p.name));
    return kept.length > 0 ? kept : all;
  }

  /** Every provider's breaker, for the admin stats. */
  states(): Array<{ provider: string; breaker: BreakerState }> {
    return [...this.byName.values()].map((p) => ({ provider: p.name, breaker: p.breaker.state }));
  }
}
