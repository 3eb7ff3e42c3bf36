import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { Database, type Tx } from '../database/database.js';
import type { SmsMessage } from '../sms/sms-message.entity.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import { PolicyService } from '../policy/policy.service.js';
import { SmsDeliveryService } from '../sms/sms-delivery.service.js';
import { buildMfaResetNotice, pickLocale } from '../sms/sms-message.js';
import { InjectConfig } from '../config/config.tokens.js';
import type { AppConfig } from '../config/app-config.js';
import { UsersService } from '../users/users.service.js';
import { mfaRequiredFor } from './assurance.js';
import { FactorsRepository } from './factors.repository.js';
import { MfaException } from './mfa.exception.js';
import { MfaFactorsService, toFactorView, type FactorView } from './mfa-factors.service.js';

/**
 * Changes to the set of factors a user has: rename, remove, and the admin's
 * MFA reset (the phone-change notice is the SMS factor's). Removing a factor (or changing the phone)
 * revokes the user's other sessions (security.md: Tokens).
 */
@Injectable()
export class FactorManagementService {
  constructor(
    private readonly db: Database,
    private readonly repository: FactorsRepository,
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
    await this.db.transaction(async (tx) => {
      await this.repository.rename(tx, factor.id, label);
      await this.audit.record({ type: 'mfa.factor.renamed', userId, meta, metadata: { factorId } }, tx);
    });
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
    const rule = await this.policy.ruleFor(user);
    await this.db.transaction(async (tx) => {
      // Lock the user's factors so two concurrent removals cannot both pass the last-factor check.
      const all = await this.repository.listForUser(tx, userId, { lock: true });
      const remainingLoginFactors = all.filter(
        (f) => f.id !== factor.id && f.status === 'active' && f.type !== 'recovery_code' && rule.allowedFactors.includes(f.type),
      );
      const removingALoginFactor = factor.status === 'active' && factor.type !== 'recovery_code';
      if (removingALoginFactor && remainingLoginFactors.length === 0 && mfaRequiredFor(rule, user.roles) && !context.actorId) {
        throw new MfaException('CONFLICT', {
          detail: 'This is your last second factor and the MFA policy requires one. Add another factor first.',
        });
      }
      await this.repository.delete(tx, factor.id);
      await this.revokeOtherSessions(userId, { sessionId: context.keepSessionId, attemptId: null }, 'factor_removed', tx);
      await this.audit.record(
        {
          type: context.actorId ? 'admin.factor.removed' : 'mfa.factor.removed',
          userId,
          actorId: context.actorId,
          meta: context.meta,
          metadata: { factorId: factor.id, factorType: factor.type, label: factor.label },
        },
        tx,
      );
    });
  }

  /** Admin support: every factor removed, every session and open login revoked, the user told. */
  async resetAll(userId: string, actorId: string, meta: RequestMeta): Promise<void> {
    const user = await this.users.findById(userId);
    if (!user) throw new MfaException('NOT_FOUND', { detail: 'No such user.' });
    const notices: SmsMessage[] = [];
    await this.db.transaction(async (tx) => {
      const all = await this.repository.listForUser(tx, userId, { lock: true });
      for (const phoneFactor of all.filter((f) => f.type === 'sms' && f.status === 'active')) {
        const message = await this.delivery.enqueueNotice(tx, {
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
        notices.push(message);
      }
      await this.repository.deleteForUser(tx, userId);
      await this.sessions.revokeAllForUser(userId, 'mfa_reset', null, tx);
      await this.audit.record(
        { type: 'admin.mfa.reset', userId, actorId, meta, metadata: { factorsRemoved: all.length, noticesSent: notices.length } },
        tx,
      );
      tx.afterCommit(() => this.delivery.dispatchAll(notices));
    });
  }

  /** Ends the user's other sessions and open login attempts, keeping the caller's own. */
  async revokeOtherSessions(userId: string, keep: { sessionId: string | null; attemptId: string | null }, reason: string, tx: Tx) {
    const revoked = await this.sessions.revokeAllForUser(userId, reason, keep.sessionId, tx, keep.attemptId);
    if (revoked > 0) {
      await this.audit.record({ type: 'session.revoked', userId, metadata: { reason, count: revoked } }, tx);
    }
  }
}
