import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.tokens.js';
import type { Tx } from '../database/database.js';
import { EmailDeliveryService } from '../email/email-delivery.service.js';
import { MfaFactorsService } from '../mfa/mfa-factors.service.js';
import { TrustedDevicesService } from '../mfa/trusted-devices.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { SmsDeliveryService } from '../sms/sms-delivery.service.js';
import type { SmsMessage } from '../sms/sms-message.entity.js';
import { pickLocale } from '../sms/sms-message.js';
import { buildPasswordResetSms } from './password-notices.js';
import { PasswordResetTokensRepository } from './password-reset-tokens.repository.js';

export type CredentialChange = 'password_changed' | 'password_reset';

/**
 * What follows every change of a user's password, in one place: whatever
 * the old password opened is closed. Sessions, their refresh tokens and open
 * login attempts end (all of them after a reset; all but the caller's after a
 * change), remembered devices must pass the second factor again, outstanding
 * reset links stop working, the owner is told by email
 * (and, after a reset, by SMS to every verified number, since the mailbox may
 * be what was taken over) and the change is audited.
 */
@Injectable()
export class CredentialChangeService {
  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly sessions: SessionsService,
    private readonly resetTokens: PasswordResetTokensRepository,
    private readonly factors: MfaFactorsService,
    private readonly email: EmailDeliveryService,
    private readonly sms: SmsDeliveryService,
    private readonly audit: AuditService,
    private readonly devices: TrustedDevicesService,
  ) {}

  /** Runs in the transaction that changed the password; notices go out once it commits. */
  async credentialsChanged(
    tx: Tx,
    change: { user: { id: string; email: string; locale: string | null }; kind: CredentialChange; keepSessionId: string | null; meta: RequestMeta; now: Date },
  ): Promise<void> {
    const { user, kind } = change;
    const revoked = await this.sessions.revokeAllForUser(user.id, kind, change.keepSessionId, tx);
    const devicesForgotten = await this.devices.revokeAllForUser(tx, user.id, kind);
    await this.resetTokens.endAllForUser(tx, user.id, change.now);
    await this.email.notify(tx, user, kind);
    const texts: SmsMessage[] = [];
    if (kind === 'password_reset') {
      const phones = (await this.factors.listForUser(user.id, tx)).filter((f) => f.type === 'sms' && f.status === 'active');
      for (const phone of phones) {
        texts.push(
          await this.sms.enqueueNotice(tx, {
            userId: user.id,
            kind: 'password_reset',
            destination: { e164: this.factors.phoneOf(phone), country: phone.phoneCountry ?? '', masked: phone.label },
            locale: pickLocale(undefined, user.locale),
            text: buildPasswordResetSms(this.config.appName, user.locale),
          }),
        );
      }
    }
    await this.audit.record({ type: kind === 'password_reset' ? 'password.reset' : 'password.changed', userId: user.id, meta: change.meta, metadata: { sessionsRevoked: revoked, devicesForgotten, smsNotices: texts.length } }, tx);
    if (texts.length > 0) tx.afterCommit(() => this.sms.dispatchAll(texts));
  }
}
