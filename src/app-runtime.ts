import type { Writable } from 'node:stream';
import type { Clock } from './common/clock.js';
import type { AppConfig } from './config/app-config.js';
import type { AppKeys } from './config/keys.js';
import type { EmailSender } from './email/email-sender.js';
import type { SmsSender } from './sms/sms-sender.js';

/**
 * Everything resolved before Nest starts: configuration, keys and the
 * database URL, plus the collaborators a test may replace (a clock it moves,
 * an SMS sender, a log stream it reads).
 */
export interface AppRuntime {
  config: AppConfig;
  keys: AppKeys;
  databaseUrl: string;
  /** False in cluster workers: the primary applied the migrations before forking them. */
  runMigrations?: boolean;
  clock?: Clock;
  smsSender?: SmsSender;
  logStream?: Writable;
  /** Outbox worker period; 0 disables it so a test can drive `pollOnce()` itself. */
  smsWorkerIntervalMs?: number;
  /** Multiplies every rate limit; tests that fire hundreds of requests from one address raise it. */
  rateLimitScale?: number;
  emailSender?: EmailSender;
  /** Email outbox worker period; 0 disables it so a test can drive `pollOnce()` itself. */
  emailWorkerIntervalMs?: number;
}
