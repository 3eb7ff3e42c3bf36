import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { SessionsService } from '../auth/sessions/sessions.service.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import { PolicyService } from '../policy/policy.service.js';
import { SmsDeliveryService } from '../sms/sms-delivery.service.js';
import { buildMfaResetNotice, buildPhoneChangedNotice, pickLocale } from '../sms/sms-message.js';
import { InjectConfig } from '../config/config.tokens.js';
import type { AppConfig } from '../config/app-config.js';
import { UsersService } from '../users/users.service.js';
import { mfaRequiredFor } from './assurance.js';
import { Factor } from './factor.entity.js';
import { MfaException } from './mfa.exception.js';
import { MfaFactorsService, toFactorView, type FactorView } from './mfa-factors.service.js';

/**
 * Changes to the set of factors a user has: rename, remove, the phone-change
 * notice, and the admin's MFA reset. Removing a factor (or changing the phone)
 * revokes the user's other sessions (security.md: Tokens).
 */
@Injectable()
export class FactorManagementService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
    private readonly factors: MfaFactorsService,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly policy: PolicyService,
    private readonly delivery: SmsDeliveryService,
    private readonly audit: AuditService,
  ) {}

  async rename(userId: string, factorId: string, label: string, meta: RequestMeta): Promise<FactorView> {
    const factor = await this.factors.findOwned(userId, factorId);
    if (!factor) throw new MfaException('NOT_FOUND', { detail: 'No such factor.' });
    // An SMS factor's label is its masked number: it says which phone, and a user cannot make it lie.
    if (factor.type === 'sms' || factor.type === 'recovery_code') {
      throw new MfaException('CONFLICT', { detail: `A ${factor.type} factor cannot be renamed.` });
    }
    await this.dataSource.manager.update(Factor, { id: factor.id }, { label });
    await this.audit.record({ type: 'mfa.factor.renamed', userId, meta, metadata: { factorId } });
    return toFactorView({ ...factor, label });
  }

  /**
   * Removes one of the user's factors. Refused when it is the last factor
   * that can complete a login while the policy requires MFA for this user.
   */
  async remove(
    userId: string,
    factorId: string,
    context: { actorId: string | null; keepSessionId: string | null; meta: RequestMeta | null },
  ): Promise<void> {
    const user = await this.users.findById(userId);
    const factor = await this.factors.findOwned(userId, factorId);
    if (!user || !factor) throw new MfaException('NOT_FOUND', { detail: 'No such factor.' });
    const policy = await this.policy.current();
    await this.dataSource.transaction(async (manager) => {
      // Lock the user's factors so two concurrent removals cannot both pass the last-factor check.
      const all = await manager.find(Factor, { where: { userId }, lock: { mode: 'pessimistic_write' } });
      const remainingLoginFactors = all.filter(
        (f) => f.id !== factor.id && f.status === 'active' && f.type !== 'recovery_code' && policy.allowedFactors.includes(f.type),
      );
      const removingALoginFactor = factor.status === 'active' && factor.type !== 'recovery_code';
      if (removingALoginFactor && remainingLoginFactors.length === 0 && mfaRequiredFor(policy, user.roles) && !context.actorId) {
        throw new MfaException('CONFLICT', {
          detail: 'This is your last second factor and the MFA policy requires one. Add another factor first.',
        });
      }
      await manager.delete(Factor, { id: factor.id });
      await this.revokeOtherSessions(userId, context.keepSessionId, 'factor_removed', manager);
      await this.audit.record(
        {
          type: context.actorId ? 'admin.factor.removed' : 'mfa.factor.removed',
          userId,
          actorId: context.actorId,
          meta: context.meta,
          metadata: { factorId: factor.id, factorType: factor.type, label: factor.label },
        },
        manager,
      );
    });
  }

  /** Admin support: every factor removed, every session revoked, the user told. */
  async resetAll(userId: string, actorId: string, meta: RequestMeta): Promise<void> {
    const user = await this.users.findById(userId);
    if (!user) throw new MfaException('NOT_FOUND', { detail: 'No such user.' });
    const notices: string[] = [];
    await this.dataSource.transaction(async (manager) => {
      const all = await manager.find(Factor, { where: { userId }, lock: { mode: 'pessimistic_write' } });
      for (const phoneFactor of all.filter((f) => f.type === 'sms' && f.status === 'active')) {
        const message = await this.delivery.enqueueNotice(manager, {
          userId,
          kind: 'mfa_reset',
          destination: {
            e164: this.factors.phoneOf(phoneFactor),
            country: phoneFactor.phoneCountry ?? '',
            masked: phoneFactor.label,
          },
          locale: pickLocale(undefined, user.locale),
          text: buildMfaResetNotice({ appName: this.config.appName, locale: user.locale }),
        });
        notices.push(message.id);
      }
      await manager.delete(Factor, { userId });
      await this.sessions.revokeAllForUser(userId, 'mfa_reset', null, manager);
      await this.audit.record(
        { type: 'admin.mfa.reset', userId, actorId, meta, metadata: { factorsRemoved: all.length, noticesSent: notices.length } },
        manager,
      );
    });
    for (const id of notices) await this.delivery.deliver(id);
  }

  /**
   * A new phone became active while older ones exist: each older number is
   * told (so a hijacker cannot swap the phone silently) and the user's other
   * sessions end. Runs inside the activation's transaction; returns the
   * notices to deliver once it commits.
   */
  async onPhoneActivated(newFactor: Factor, keepSessionId: string | null, manager: EntityManager): Promise<string[]> {
    const older = await manager.find(Factor, { where: { userId: newFactor.userId, type: 'sms', status: 'active' } });
    const previous = older.filter((f) => f.id !== newFactor.id);
    if (previous.length === 0) return [];
    const user = await this.users.findById(newFactor.userId);
    const notices: string[] = [];
    for (const old of previous) {
      const message = await this.delivery.enqueueNotice(manager, {
        userId: newFactor.userId,
        kind: 'phone_changed',
        destination: { e164: this.factors.phoneOf(old), country: old.phoneCountry ?? '', masked: old.label },
        locale: pickLocale(undefined, user?.locale ?? null),
        text: buildPhoneChangedNotice({ appName: this.config.appName, locale: user?.locale ?? null }),
      });
      notices.push(message.id);
    }
    await this.revokeOtherSessions(newFactor.userId, keepSessionId, 'phone_changed', manager);
    return notices;
  }

  async deliverNotices(ids: string[]): Promise<void> {
    for (const id of ids) await this.delivery.deliver(id);
  }

  private async revokeOtherSessions(userId: string, keepSessionId: string | null, reason: string, manager: EntityManager) {
    const revoked = await this.sessions.revokeAllForUser(userId, reason, keepSessionId, manager);
    if (revoked > 0) {
      await this.audit.record({ type: 'session.revoked', userId, metadata: { reason, count: revoked } }, manager);
    }
  }
}
