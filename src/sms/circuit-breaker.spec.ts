import { Clock } from '../common/clock.js';
import { CircuitBreaker } from './circuit-breaker.js';

class ManualClock extends Clock {
  ms = Date.UTC(2026, 11, 2);
  now(): Date {
    return new Date(this.ms);
  }
}

describe('CircuitBreaker', () => {
  const options = { consecutiveFailures: 5, errorRate: 0.5, window: 10, openSeconds: 30 };
  let clock: ManualClock;
  let changes: string[];
  let breaker: CircuitBreaker;
  beforeEach(() => {
    clock = new ManualClock();
    changes = [];
    breaker = new CircuitBreaker(clock, options, (s) => changes.push(s));
  });

  it('opens after the fifth consecutive fault, and lets nothing through while open', () => {
    for (let i = 0; i < 4; i++) breaker.failed();
    expect(breaker.state).toBe('closed');
    breaker.failed();
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('a success resets the run of faults', () => {
    for (let i = 0; i < 4; i++) breaker.failed();
    breaker.succeeded();
    for (let i = 0; i < 4; i++) breaker.failed();
    expect(breaker.state).toBe('closed');
  });

  it('opens on the error rate over the window even without five faults in a row', () => {
    for (let i = 0; i < 5; i++) {
      breaker.succeeded();
      breaker.failed();
    }
    expect(breaker.state).toBe('open');
  });

  it('half-open after the open period: one probe only; its success closes the breaker', () => {
    for (let i = 0; i < 5; i++) breaker.failed();
    clock.ms += 29_999;
    expect(breaker.tryAcquire()).toBe(false);
    clock.ms += 1;
    expect(breaker.state).toBe('half_open');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
    breaker.succeeded();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    expect(changes).toEqual(['open', 'half_open', 'closed']);
  });

  it('a failed probe opens it again for a full period', () => {
    for (let i = 0; i < 5; i++) breaker.failed();
    clock.ms += 30_000;
    expect(breaker.tryAcquire()).toBe(true);
    breaker.failed();
    expect(breaker.state).toBe('open');
    clock.ms += 29_000;
    expect(breaker.state).toBe('open');
    clock.ms += 1_000;
    expect(breaker.state).toBe('half_open');
  });
});
