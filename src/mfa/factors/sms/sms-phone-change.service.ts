import { Injectable } from '@nestjs/common';
import type { AppConfig } from '../../../config/app-config.js';
import { InjectConfig } from '../../../config/config.tokens.js';
import type { Tx } from '../../../database/database.js';
import { EmailDeliveryService } from '../../../email/email-delivery.service.js';
import { SmsDeliveryService } from '../../../sms/sms-delivery.service.js';
import type { SmsMessage } from '../../../sms/sms-message.entity.js';
import { buildPhoneChangedNotice, pickLocale } from '../../../sms/sms-message.js';
import type { UserProfile } from '../../../vocabulary/principal.js';
import type { Factor } from '../../factor.entity.js';
import { FactorManagementService } from '../../factor-management.service.js';
import { FactorsRepository } from '../../factors.repository.js';
import type { ActivationKeep } from '../../mfa-factor.js';
import { MfaFactorsService } from '../../mfa-factors.service.js';

/** The phone-change notice: what activating a second SMS factor sets off. */
@Injectable()
export class SmsPhoneChangeService {
  constructor(
    private readonly repository: FactorsRepository,
    @InjectConfig() private readonly config: AppConfig,
    private readonly factors: MfaFactorsService,
    private readonly management: FactorManagementService,
    private readonly delivery: SmsDeliveryService,
    private readonly email: EmailDeliveryService,
  ) {}

  /**
   * A new phone became active while older ones exist: each older number is
   * told (so a hijacker cannot swap the phone silently) and the user's other
   * sessions end. Runs inside the activation's transaction; the notices go
   * out once it commits.
   */
  async onActivated(newFactor: Factor, user: UserProfile, keep: ActivationKeep, tx: Tx): Promise<void> {
    const older = await this.repository.listForUser(tx, newFactor.userId, { activeOnly: true, type: 'sms' });
    const previous = older.filter((f) => f.id !== newFactor.id);
    if (previous.length === 0) return;
    const notices: SmsMessage[] = [];
    for (const old of previous) {
      notices.push(
        await this.delivery.enqueueNotice(tx, {
          userId: newFactor.userId,
          kind: 'phone_changed',
          destination: { e164: this.factors.phoneOf(old), country: old.phoneCountry ?? '', masked: old.label },
          locale: pickLocale(undefined, user.locale),
          text: buildPhoneChangedNotice({ appName: this.config.appName, locale: user.locale }),
        }),
      );
    }
    await this.management.revokeOtherSessions(newFactor.userId, keep, 'phone_changed', tx);
    await this.email.notify(tx, user, 'phone_changed');
    tx.afterCommit(() => this.delivery.dispatchAll(notices));
  }
}
