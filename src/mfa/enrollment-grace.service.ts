import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { Database } from '../database/database.js';
import { EmailDeliveryService } from '../email/email-delivery.service.js';
import { PolicyService } from '../policy/policy.service.js';
import { UsersService } from '../users/users.service.js';
import { forecastLogin, graceStanding, hasGrace, type GraceRecord } from './assurance.js';
import { EnrollmentGraceRepository } from './enrollment-grace.repository.js';
import { MfaFactorsService } from './mfa-factors.service.js';

/** The notice goes out this long before the deadline: day 5 of a 7-day grace period. */
export const DEADLINE_NOTICE_LEAD_MS = 2 * 86_400_000;
const NOTICE_BATCH = 200;

/**
 * Enrolment grace periods: the login flow counts its logins here, and an
 * hourly job tells users whose deadline is near, once.
 */
@Injectable()
export class EnrollmentGraceService {
  private readonly logger = new Logger('EnrollmentGrace');

  constructor(
    private readonly db: Database,
    private readonly repository: EnrollmentGraceRepository,
    private readonly policy: PolicyService,
    private readonly users: UsersService,
    private readonly factors: MfaFactorsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly email: EmailDeliveryService,
  ) {}

  /**
   * Every instance may run it: the claim in claimNotice lets one of them send each notice.
   * Tests call sendDueNotices() themselves with the injected clock.
   */
  @Interval('enrollment-deadline-notices', 3600_000)
  async sendOnSchedule(): Promise<void> {
    await this.sendDueNotices().catch((e: unknown) => this.logger.warn({ err: e }, 'deadline notices failed'));
  }

  recordLogin(userId: string): Promise<GraceRecord> {
    return this.repository.recordLogin(this.db, userId, this.clock.now());
  }

  standingsOf(userIds: readonly string[]): Promise<Map<string, GraceRecord>> {
    return this.repository.findMany(this.db, userIds);
  }

  /**
   * One pass of the job: every user still in a grace period counted in days
   * whose deadline is within DEADLINE_NOTICE_LEAD_MS is told, once. Returns
   * how many were told.
   */
  async sendDueNotices(): Promise<number> {
    const policy = await this.policy.current();
    const now = this.clock.now();
    let sent = 0;
    let after: string | null = null;
    for (;;) {
      const ids = await this.repository.pendingNotices(this.db, after, NOTICE_BATCH);
      if (ids.length === 0) break;
      const [users, types, records] = await Promise.all([this.users.subjectsOf(ids), this.factors.activeTypesOf(ids), this.repository.findMany(this.db, ids)]);
      for (const user of users) {
        const record = records.get(user.id);
        const forecast = forecastLogin(policy, user, types.get(user.id) ?? []);
        if (!record || !hasGrace(forecast)) continue;
        const standing = graceStanding(forecast.rule.enrollmentGrace, record, now);
        if (!standing?.dueAt || now.getTime() < standing.dueAt.getTime() - DEADLINE_NOTICE_LEAD_MS) continue;
        if (!(await this.repository.claimNotice(this.db, user.id, now))) continue;
        await this.notifyDeadline(user.id, standing.dueAt);
        sent++;
      }
      after = ids[ids.length - 1];
      if (ids.length < NOTICE_BATCH) break;
    }
    return sent;
  }

  /**
   * The one place the deadline notice is sent: by email, to the account's
   * address. A user in a grace period has no second factor, so no verified
   * phone number, and a number given at registration is never texted
   * (security.md).
   */
  private async notifyDeadline(userId: string, dueAt: Date): Promise<void> {
    const user = await this.users.findById(userId);
    if (!user) return;
    const days = Math.max(1, Math.ceil((dueAt.getTime() - this.clock.now().getTime()) / 86_400_000));
    await this.email.notify(this.db, user, 'mfa_enrollment_due', { remaining: days });
    await this.audit.record({ type: 'mfa.enrollment.deadline_notice', userId, metadata: { dueAt: dueAt.toISOString(), channel: 'email' } });
  }
}
