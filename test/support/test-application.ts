import type { NestExpressApplication } from '@nestjs/platform-express';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import type { AppRuntime } from '../../src/app-runtime.js';
import { AppModule } from '../../src/app.module.js';
import { applicationOptions, configureApp } from '../../src/bootstrap.js';
import { Clock } from '../../src/common/clock.js';
import { RATE_LIMIT_SCALE } from '../../src/common/http/rate-limit.guard.js';
import { EMAIL_OUTBOX_WORKER } from '../../src/email/email-delivery.service.js';
import { SMS_OUTBOX_WORKER } from '../../src/sms/sms-delivery.service.js';
import type { SmsSender } from '../../src/sms/sms-sender.js';
import { SMS_SENDERS } from '../../src/sms/sms.module.js';

/** Collaborators a test replaces in the real application. */
export interface TestOverrides {
  clock?: Clock;
  /** The only SMS provider, in place of the configured ones. */
  smsSender?: SmsSender;
  /** Multiplies every rate limit: tests that fire hundreds of requests from one address raise it. */
  rateLimitScale?: number;
  /** False removes the outbox worker's schedule, so the test drives `pollOnce()` itself. */
  smsWorker?: boolean;
  /** False removes the email outbox worker's schedule, likewise. */
  emailWorker?: boolean;
}

/**
 * The application `npm start` builds, from a testing module with the given
 * providers overridden, initialised but not yet listening.
 */
export async function createTestApplication(runtime: AppRuntime, overrides: TestOverrides = {}): Promise<NestExpressApplication> {
  let builder = Test.createTestingModule({ imports: [AppModule.register(runtime)] });
  if (overrides.clock) builder = builder.overrideProvider(Clock).useValue(overrides.clock);
  if (overrides.smsSender) builder = builder.overrideProvider(SMS_SENDERS).useValue([overrides.smsSender]);
  if (overrides.rateLimitScale !== undefined) builder = builder.overrideProvider(RATE_LIMIT_SCALE).useValue(overrides.rateLimitScale);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>(applicationOptions);
  configureApp(app, runtime);
  await app.init();
  // The scheduler starts its intervals when the application boots; the first tick is a second away.
  if (overrides.smsWorker === false) app.get(SchedulerRegistry).deleteInterval(SMS_OUTBOX_WORKER);
  if (overrides.emailWorker === false) app.get(SchedulerRegistry).deleteInterval(EMAIL_OUTBOX_WORKER);
  return app;
}
