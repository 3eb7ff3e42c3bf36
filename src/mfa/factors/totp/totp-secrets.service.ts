import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { Sql } from '../../../database/database.js';
import { SecretsService } from '../../../common/crypto/secrets.service.js';
import { rowsOf } from '../../../database/query-result.js';
import { base32Decode, base32Encode, type TotpParams } from './totp.js';
import { TotpSecret } from './totp-secret.entity.js';

/** A TOTP factor's secret, opened for one verification; it is never kept beyond that. */
export interface StoredTotp {
  secret: Buffer;
  params: TotpParams;
  lastUsedStep: number | null;
}

/**
 * Persistence of TOTP secrets: sealing and opening them, and the one
 * conditional UPDATE that spends a time step. Rules live in TotpFactor.
 */
@Injectable()
export class TotpSecretsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secrets: SecretsService,
  ) {}

  async create(factorId: string, secret: Buffer, params: TotpParams, manager: EntityManager): Promise<void> {
    await manager.insert(TotpSecret, {
      factorId,
      secretCiphertext: this.secrets.seal(base32Encode(secret), associatedData(factorId)),
      algorithm: params.algorithm,
      digits: params.digits,
      periodSeconds: params.periodSeconds,
      lastUsedStep: null,
    });
  }

  async load(factorId: string): Promise<StoredTotp | null> {
    const row = await this.dataSource.manager.findOneBy(TotpSecret, { factorId });
    if (!row) return null;
    return {
      secret: base32Decode(this.secrets.open(row.secretCiphertext, associatedData(factorId))),
      params: { algorithm: row.algorithm, digits: row.digits, periodSeconds: row.periodSeconds },
      lastUsedStep: row.lastUsedStep === null ? null : Number(row.lastUsedStep),
    };
  }

  /**
   * Records `step` as used if no step at or after it was used before. One
   * conditional UPDATE, so of many concurrent submissions of one code exactly
   * one gets the row (RFC 6238 §5.2); returns whether this caller did.
   */
  async claimStep(factorId: string, step: number, sql: Sql): Promise<boolean> {
    const claimed = rowsOf(
      await sql.query(
        `UPDATE totp_secrets SET last_used_step = $2
          WHERE factor_id = $1 AND (last_used_step IS NULL OR last_used_step < $2)
          RETURNING factor_id`,
        [factorId, step],
      ),
    );
    return claimed.length === 1;
  }
}

function associatedData(factorId: string): string {
  return `totp:${factorId}`;
}
