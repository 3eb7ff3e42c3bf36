import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../../../common/clock.js';
import { rowsOf } from '../../../database/query-result.js';
import { Factor } from '../../factor.entity.js';
import { MfaException } from '../../mfa.exception.js';
import type { RegisteredCredential, StoredCredential } from './webauthn-relying-party.service.js';
import { WebauthnCredential } from './webauthn-credential.entity.js';

/** Postgres unique_violation. */
const UNIQUE_VIOLATION = '23505';

/**
 * Persistence of WebAuthn credentials and the factors they belong to. The
 * counter only moves by compare-and-swap, so two assertions verified against
 * the same stored count cannot both be accepted (WebAuthn L3 §6.1.1).
 */
@Injectable()
export class WebauthnCredentialsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** The user's registered credentials, for excludeCredentials (WebAuthn §5.4). */
  async listForUser(userId: string): Promise<StoredCredential[]> {
    const rows = await this.dataSource.manager.find(WebauthnCredential, { where: { factor: { userId } }, order: { createdAt: 'ASC' } });
    return rows.map(toStored);
  }

  async findByFactor(factorId: string): Promise<WebauthnCredential | null> {
    return this.dataSource.manager.findOneBy(WebauthnCredential, { factorId });
  }

  async isRegistered(credentialId: string): Promise<boolean> {
    return this.dataSource.manager.existsBy(WebauthnCredential, { credentialId });
  }

  /**
   * A new, active factor with its credential. The key was proved at
   * registration, so there is no pending step. A credential ID already
   * registered (to anyone) is refused (WebAuthn §7.1).
   */
  async createActive(userId: string, label: string, credential: RegisteredCredential, manager: EntityManager): Promise<Factor> {
    const now = this.clock.now();
    const factor = manager.create(Factor, {
      id: randomUUID(),
      userId,
      type: 'webauthn',
      status: 'active',
      label,
      createdAt: now,
      activatedAt: now,
      lastUsedAt: null,
    });
    await manager.insert(Factor, factor);
    try {
      await manager.insert(WebauthnCredential, {
        factorId: factor.id,
        credentialId: credential.credentialId,
        publicKey: Buffer.from(credential.publicKey),
        counter: credential.counter,
        transports: credential.transports,
        deviceType: credential.deviceType,
        backedUp: credential.backedUp,
        aaguid: credential.aaguid,
        createdAt: now,
      });
    } catch (error) {
      // Two registrations of the same authenticator racing: the unique index decides, the loser gets a 409.
      if (error instanceof QueryFailedError && (error.driverError as { code?: string } | undefined)?.code === UNIQUE_VIOLATION) {
        throw new MfaException('CONFLICT', { detail: 'This authenticator is already registered.' });
      }
      throw error;
    }
    return factor;
  }

  /**
   * Moves the counter from the value an assertion was verified against to
   * the one it reported. False when another assertion got there first: the
   * same counter value must not be accepted twice.
   */
  async advanceCounter(factorId: string, verifiedAgainst: number, reported: number, backedUp: boolean): Promise<boolean> {
    const rows = rowsOf(
      await this.dataSource.query(
        `UPDATE webauthn_credentials SET counter = $3, backed_up = $4 WHERE factor_id = $1 AND counter = $2 RETURNING factor_id`,
        [factorId, verifiedAgainst, reported, backedUp],
      ),
    );
    return rows.length === 1;
  }
}

export function toStored(row: WebauthnCredential): StoredCredential {
  return { credentialId: row.credentialId, publicKey: row.publicKey, counter: row.counter, transports: row.transports };
}
