import type { Clock } from '../common/clock.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive provider faults (timeouts, 5xx, throttling) that open the breaker. */
  consecutiveFailures: number;
  /** Share of faults among the last `window` calls that opens it too (0–1), once `window` calls were seen. */
  errorRate: number;
  window: number;
  /** How long it stays open before one probe is let through (half-open). */
  openSeconds: number;
}

export const DEFAULT_BREAKER: CircuitBreakerOptions = { consecutiveFailures: 5, errorRate: 0.5, window: 20, openSeconds: 30 };

/**
 * One provider's circuit breaker, per process. Closed: every send goes
 * through. Open: none does, so the router fails over at once instead of
 * waiting on a timeout per login. After `openSeconds` it lets one probe
 * through (half-open); the probe's outcome closes it again or re-opens it.
 * Only provider faults count: a refused number says nothing about the
 * provider's health.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private consecutive = 0;
  private recent: boolean[] = [];
  private openedAt = 0;
  private probing = false;

  constructor(
    private readonly clock: Clock,
    private readonly options: CircuitBreakerOptions = DEFAULT_BREAKER,
    private readonly onChange: (state: BreakerState) => void = () => undefined,
  ) {}

  get state(): BreakerState {
    if (this.current === 'open' && this.clock.now().getTime() - this.openedAt >= this.options.openSeconds * 1000) {
      this.set('half_open');
    }
    return this.current;
  }

  /** Whether a send may go to this provider now; in half-open, only the first caller gets the probe. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  succeeded(): void {
    this.probing = false;
    this.consecutive = 0;
    this.remember(true);
    if (this.current !== 'closed') {
      this.recent = [];
      this.set('closed');
    }
  }

  failed(): void {
    this.probing = false;
    this.consecutive += 1;
    this.remember(false);
    if (this.current === 'half_open') return this.open();
    const faults = this.recent.filter((ok) => !ok).length;
    const rateTripped = this.recent.length >= this.options.window && faults / this.recent.length >= this.options.errorRate;
    if (this.current === 'closed' && (this.consecutive >= this.options.consecutiveFailures || rateTripped)) this.open();
  }

  private open(): void {
    this.openedAt = this.clock.now().getTime();
    this.set('open');
  }

  private remember(ok: boolean): void {
    this.recent.push(ok);
    if (this.recent.length > this.options.window) this.recent.shift();
  }

  private set(state: BreakerState): void {
    if (state === this.current) return;
    this.current = state;
    this.onChange(state);
  }
}
