import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Sql } from '../../../database/database.js';
import { Clock } from '../../../common/clock.js';
import { rowsOf } from '../../../database/query-result.js';
import type { Factor } from '../../factor.entity.js';
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
  async createActive(userId: string, label: string, credential: RegisteredCredential, sql: Sql): Promise<Factor> {
    const now = this.clock.now();
    const factor: Factor = {
      id: randomUUID(),
      userId,
      type: 'webauthn',
      status: 'active',
      label,
      phoneCiphertext: null,
      phoneHash: null,
      phoneCountry: null,
      createdAt: now,
      activatedAt: now,
      lastUsedAt: null,
    };
    try {
      // The factor and its credential in one statement; the credential id's unique index decides a race.
      await sql.query(
        `WITH f AS (
           INSERT INTO mfa_factors (id, user_id, type, status, label, created_at, activated_at) VALUES ($1, $2, 'webauthn', 'active', $3, $4, $4) RETURNING id
         )
         INSERT INTO webauthn_credentials (factor_id, credential_id, public_key, counter, transports, device_type, backed_up, aaguid, created_at)
         SELECT id, $5, $6, $7, $8, $9, $10, $11, $4 FROM f`,
        [
          factor.id,
          userId,
          label,
          now,
          credential.credentialId,
          Buffer.from(credential.publicKey),
          credential.counter,
          credential.transports,
          credential.deviceType,
          credential.backedUp,
          credential.aaguid,
        ],
      );
    } catch (error) {
      // Two registrations of the same authenticator racing: the unique index decides, the loser gets a 409.
      if ((error as { code?: string } | undefined)?.code === UNIQUE_VIOLATION) {
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
