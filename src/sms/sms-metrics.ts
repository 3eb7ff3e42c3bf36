import { Counter, Gauge, Histogram, register } from 'prom-client';

export function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  // One registry per process; a second app in the same process (tests) reuses the counters.
  return (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

/** Outbox transitions by provider, destination country and outcome. Counts only: no number, no text. */
export const smsMessagesTotal = counter('sesame_sms_messages_total', 'SMS messages by outcome', ['provider', 'country', 'status']);

export function gauge(name: string, help: string, labelNames: string[]): Gauge<string> {
  return (register.getSingleMetric(name) as Gauge<string> | undefined) ?? new Gauge({ name, help, labelNames });
}

export function histogram(name: string, help: string, labelNames: string[], buckets: number[]): Histogram<string> {
  return (register.getSingleMetric(name) as Histogram<string> | undefined) ?? new Histogram({ name, help, labelNames, buckets });
}

/** Per provider: 0 closed, 1 half-open, 2 open (this process's breaker). */
export const smsBreakerState = gauge('sesame_sms_breaker_state', 'SMS provider circuit breaker: 0 closed, 1 half-open, 2 open', ['provider']);

/** Sends moved to the next provider, by the provider given up on and why (a send error, a failed or a missing receipt). */
export const smsFailoversTotal = counter('sesame_sms_failovers_total', 'SMS failovers to the next provider', ['from', 'reason']);

/** Seconds from the provider accepting a message to its delivery receipt. */
export const smsReceiptSeconds = histogram('sesame_sms_receipt_seconds', 'Time from send to delivery receipt', ['provider', 'country'], [1, 2, 5, 10, 20, 30, 60, 120, 300]);

/** Spend on accepted messages, in the price table's currency (SMS_PRICES). */
export const smsSpendTotal = counter('sesame_sms_spend_total', 'SMS spend from the configured price table', ['provider', 'country']);

/** Sends refused by a budget or quota, by which one. */
export const smsRefusalsTotal = counter('sesame_sms_refusals_total', 'SMS sends refused by a budget or cap', ['cap']);
