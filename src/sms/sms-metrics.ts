import { Counter, register } from 'prom-client';

export function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  // One registry per process; a second app in the same process (tests) reuses the counters.
  return (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

/** Outbox transitions by provider, destination country and outcome. Counts only: no number, no text. */
export const smsMessagesTotal = counter('sesame_sms_messages_total', 'SMS messages by outcome', ['provider', 'country', 'status']);
