import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../../../audit/audit.service.js';
import { Clock } from '../../../common/clock.js';
import type { AppConfig } from '../../../config/app-config.js';
import { InjectConfig } from '../../../config/config.tokens.js';
import { FactorChangePolicyService } from '../../factor-change-policy.service.js';
import { Factor } from '../../factor.entity.js';
import type { FactorContext } from '../../mfa-factor.js';
import { TotpSecretsService } from './totp-secrets.service.js';
import { DEFAULT_TOTP, base32Encode, buildOtpauthUri, generateTotpSecret, renderQrSvg } from './totp.js';

export const DEFAULT_TOTP_LABEL = 'Authenticator app';

export interface TotpEnrolment {
  factorId: string;
  label: string;
  secret: string;
  otpauthUri: string;
  qrSvg: string;
  status: 'pending';
}

/**
 * Adding an authenticator app: a *pending* factor and a fresh secret, shown
 * once. The factor becomes active only when the app proves it holds the
 * secret with a code (TotpFactor.activate), so a scan that went wrong never
 * leaves the user with a factor they cannot use.
 */
@Injectable()
export class TotpEnrolmentService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
    private readonly secrets: TotpSecretsService,
    private readonly changes: FactorChangePolicyService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async enrol(label: string | undefined, context: FactorContext): Promise<TotpEnrolment> {
    await this.changes.assertMayEnrol(context.principal, 'totp');
    const userId = context.principal.userId;
    const secret = generateTotpSecret();
    // SHA-1 / 6 digits / 30 s: several apps ignore anything else in the Key URI (see DEFAULT_TOTP).
    const params = DEFAULT_TOTP;
    const factor = await this.dataSource.transaction(async (manager) => {
      // An app the user started to add and never confirmed is replaced, so pending rows do not pile up.
      await manager.delete(Factor, { userId, type: 'totp', status: 'pending' });
      const created = manager.create(Factor, {
        id: randomUUID(),
        userId,
        type: 'totp',
        status: 'pending',
        label: label?.trim() || DEFAULT_TOTP_LABEL,
        phoneCiphertext: null,
        phoneHash: null,
        phoneCountry: null,
        createdAt: this.clock.now(),
        activatedAt: null,
        lastUsedAt: null,
      });
      await manager.insert(Factor, created);
      await this.secrets.create(created.id, secret, params, manager);
      await this.audit.record(
        {
          type: 'mfa.factor.enrolled',
          userId,
          meta: context.meta,
          metadata: { factorId: created.id, factorType: 'totp' },
        },
        manager,
      );
      return created;
    });
    const otpauthUri = buildOtpauthUri({
      issuer: keyUriPart(this.config.appName),
      accountName: keyUriPart(context.user.email),
      secret,
      params,
    });
    return {
      factorId: factor.id,
      label: factor.label,
      secret: base32Encode(secret),
      otpauthUri,
      qrSvg: await renderQrSvg(otpauthUri),
      status: 'pending',
    };
  }
}

/**
 * In the Key URI label a colon separates issuer from account, so neither may
 * contain one (Key URI Format); a quoted email local part can. It only names
 * the entry in the app, so the colon becomes a space.
 */
function keyUriPart(value: string): string {
  return value.replaceAll(':', ' ').trim();
}
