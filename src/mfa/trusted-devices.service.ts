import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { SecretsService } from '../common/crypto/secrets.service.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import { Database, type Sql, type Tx } from '../database/database.js';
import type { Amr } from '../vocabulary/assurance.js';
import { isUuid } from '../common/validation/fields.js';
import { MfaException } from './mfa.exception.js';
import { TrustedDevicesRepository, type TrustedDeviceView } from './trusted-devices.repository.js';

const HASH_CONTEXT = 'device-token';
/** `dt_` and 256 random bits in base64url: the shape is checked before anything is looked up. */
const TOKEN_SHAPE = /^dt_[A-Za-z0-9_-]{43}$/;
const LABEL_MAX = 120;

/**
 * Remembered devices: after a second factor the user may ask the device to
 * be trusted; its token then stands in for the second factor at login (never
 * at step-up) until it expires, the rule's maximum age shrinks below its age,
 * or it is revoked.
 */
@Injectable()
export class TrustedDevicesService {
  constructor(
    private readonly db: Database,
    private readonly repository: TrustedDevicesRepository,
    private readonly secrets: SecretsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Trusts the device in the transaction that completes the login; the token is returned once and stored only hashed. */
  async remember(tx: Tx, input: { userId: string; amr: Amr[]; maxAgeSeconds: number; meta: RequestMeta }): Promise<{ deviceToken: string; deviceId: string }> {
    const deviceToken = `dt_${randomBytes(32).toString('base64url')}`;
    const now = this.clock.now();
    const id = randomUUID();
    await this.repository.insert(tx, {
      id,
      userId: input.userId,
      tokenHash: this.secrets.lookupHash(deviceToken, HASH_CONTEXT),
      label: (input.meta.userAgent ?? 'Unknown device').slice(0, LABEL_MAX),
      amr: input.amr,
      createdAt: now,
      expiresAt: new Date(now.getTime() + input.maxAgeSeconds * 1000),
    });
    await this.audit.record({ type: 'mfa.device.trusted', userId: input.userId, meta: input.meta, metadata: { deviceId: id, maxAgeSeconds: input.maxAgeSeconds } }, tx);
    return { deviceToken, deviceId: id };
  }

  /** The device behind this token when it is this user's and still trusted under the rule's maximum age; null otherwise. */
  async use(userId: string, deviceToken: string, maxAgeSeconds: number): Promise<{ id: string; amr: Amr[]; createdAt: Date } | null> {
    if (maxAgeSeconds <= 0 || !TOKEN_SHAPE.test(deviceToken)) return null;
    const now = this.clock.now();
    return this.repository.use(this.db, userId, this.secrets.lookupHash(deviceToken, HASH_CONTEXT), now, this.notBefore(now, maxAgeSeconds));
  }

  list(userId: string, maxAgeSeconds: number): Promise<TrustedDeviceView[]> {
    const now = this.clock.now();
    return this.repository.listLive(this.db, userId, now, this.notBefore(now, maxAgeSeconds));
  }

  /** Ends one trust, by the user or an admin (`actorId`); 404 when there is no such live device. */
  async revoke(userId: string, deviceId: string, context: { actorId: string | null; meta: RequestMeta }): Promise<void> {
    if (!isUuid(deviceId) || !(await this.repository.revoke(this.db, userId, deviceId, context.actorId ? 'admin' : 'user', this.clock.now()))) {
      throw new MfaException('NOT_FOUND', { detail: 'No such device.' });
    }
    await this.audit.record({
      type: 'mfa.device.revoked',
      userId,
      actorId: context.actorId,
      meta: context.meta,
      metadata: { deviceId, reason: context.actorId ? 'admin' : 'user' },
    });
  }

  /**
   * Ends every trust of the user inside the caller's transaction: factor
   * removal, phone change and MFA reset call it, and so should password
   * change and reset. Returns how many ended.
   */
  async revokeAllForUser(tx: Tx | Sql, userId: string, reason: string): Promise<number> {
    return this.repository.revokeAllForUser(tx, userId, reason, this.clock.now());
  }

  private notBefore(now: Date, maxAgeSeconds: number): Date {
    return new Date(now.getTime() - Math.max(0, maxAgeSeconds) * 1000);
  }
}
