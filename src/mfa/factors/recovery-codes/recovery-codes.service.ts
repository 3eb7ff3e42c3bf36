import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Sql } from '../../../database/database.js';
import { AuditService } from '../../../audit/audit.service.js';
import type { AccessPrincipal } from '../../../vocabulary/principal.js';
import { Clock } from '../../../common/clock.js';
import { SecretsService } from '../../../common/crypto/secrets.service.js';
import type { RequestMeta } from '../../../common/http/request-meta.js';
import { rowsOf } from '../../../database/query-result.js';
import { FactorChangePolicyService } from '../../factor-change-policy.service.js';
import { Factor } from '../../factor.entity.js';
import { MfaException } from '../../mfa.exception.js';
import { MfaFactorsService } from '../../mfa-factors.service.js';
import { generateRecoveryCodeSet, normaliseRecoveryCode } from './recovery-code.js';
import { RecoveryCode } from './recovery-code.entity.js';

const HASH_CONTEXT = 'recovery-code';

/**
 * The set's label carries the number of unused codes, so the factor list
 * (GET /me/mfa/factors) tells the user when to print a new set.
 */
export function recoveryCodesLabel(remaining: number): string {
  return `Recovery codes (${remaining} left)`;
}

/**
 * A user's recovery-code set: one `recovery_code` factor row and its codes.
 * Generation replaces the whole set; spending a code is one conditional
 * UPDATE (security.md: single use under concurrency).
 */
@Injectable()
export class RecoveryCodesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly factors: MfaFactorsService,
    private readonly changes: FactorChangePolicyService,
    private readonly secrets: SecretsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** A new set of codes, returned in plaintext this once; any earlier set stops working in the same transaction. */
  async generate(principal: AccessPrincipal, meta: RequestMeta): Promise<{ codes: string[] }> {
    await this.changes.assertMayEnrol(principal, 'recovery_code');
    const userId = principal.userId;
    // Recovery codes are a way back in when another factor is lost, never a second factor on their own
    // (assurance.ts does not even ask for them at login), so there must be a factor to recover.
    const active = await this.factors.listActive(userId);
    if (!active.some((f) => f.type !== 'recovery_code')) {
      throw new MfaException('CONFLICT', {
        detail: 'Add a second factor (an authenticator app, a phone or a passkey) first.',
      });
    }
    const codes = generateRecoveryCodeSet();
    const now = this.clock.now();
    await this.dataSource.transaction(async (manager) => {
      // Two concurrent generations queue on the user row, so exactly one set survives. NO KEY UPDATE
      // leaves foreign-key checks against the user (sessions, audit…) unblocked.
      await manager.query(`SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE`, [userId]);
      const replaced = await manager.delete(Factor, { userId, type: 'recovery_code' });
      const factor = manager.create(Factor, {
        id: randomUUID(),
        userId,
        type: 'recovery_code',
        status: 'active',
        label: recoveryCodesLabel(codes.length),
        phoneCiphertext: null,
        phoneHash: null,
        phoneCountry: null,
        createdAt: now,
        activatedAt: now,
        lastUsedAt: null,
      });
      await manager.insert(Factor, factor);
      await manager.insert(
        RecoveryCode,
        codes.map((code) => ({
          id: randomUUID(),
          factorId: factor.id,
          codeHash: this.hashOf(normaliseRecoveryCode(code)!),
          usedAt: null,
          createdAt: now,
        })),
      );
      await this.audit.record(
        {
          type: 'mfa.recovery_codes.generated',
          userId,
          meta,
          metadata: { factorId: factor.id, count: codes.length, replacedEarlierSet: (replaced.affected ?? 0) > 0 },
        },
        manager,
      );
    });
    return { codes };
  }

  /** Unused codes of the user's active set (0 without one). */
  async remaining(userId: string): Promise<number> {
    const [row] = rowsOf<{ n: number }>(
      await this.dataSource.query(
        `SELECT count(*)::int AS n FROM recovery_codes c JOIN mfa_factors f ON f.id = c.factor_id
          WHERE f.user_id = $1 AND f.type = 'recovery_code' AND f.status = 'active' AND c.used_at IS NULL`,
        [userId],
      ),
    );
    return row?.n ?? 0;
  }

  /** The keyed hash a code is stored and found under, of its normalised form (normaliseRecoveryCode). */
  hashOf(normalisedCode: string): string {
    return this.secrets.lookupHash(normalisedCode, HASH_CONTEXT);
  }

  /** The set holding this unused code, if the user has one; a read, so it decides nothing under concurrency. */
  async findUnused(userId: string, codeHash: string): Promise<string | null> {
    const rows = rowsOf<{ factor_id: string }>(
      await this.dataSource.query(
        `SELECT c.factor_id FROM recovery_codes c JOIN mfa_factors f ON f.id = c.factor_id
          WHERE c.code_hash = $2 AND c.used_at IS NULL AND f.user_id = $1 AND f.type = 'recovery_code' AND f.status = 'active'`,
        [userId, codeHash],
      ),
    );
    return rows[0]?.factor_id ?? null;
  }

  /**
   * Spends a code inside the caller's transaction. The conditional UPDATE …
   * RETURNING is the decision: of concurrent submissions of one code exactly
   * one gets the row. Returns null when the code was not (or no longer) usable.
   */
  async spend(
    userId: string,
    codeHash: string,
    sql: Sql,
  ): Promise<{ factorId: string; remaining: number } | null> {
    // The set's row first, then the code: the order a regeneration takes (set, then its codes by cascade),
    // so a login with a code and a regeneration cannot deadlock. It also orders concurrent spends of
    // different codes, so each counts the codes left after the others.
    const sets = rowsOf(
      await sql.query(
        `SELECT id FROM mfa_factors WHERE user_id = $1 AND type = 'recovery_code' AND status = 'active' FOR UPDATE`,
        [userId],
      ),
    );
    if (sets.length === 0) return null;
    const spent = rowsOf<{ factor_id: string }>(
      await sql.query(
        `UPDATE recovery_codes SET used_at = $3
          WHERE code_hash = $2 AND used_at IS NULL
            AND factor_id IN (SELECT id FROM mfa_factors WHERE user_id = $1 AND type = 'recovery_code' AND status = 'active')
          RETURNING factor_id`,
        [userId, codeHash, this.clock.now()],
      ),
    );
    if (spent.length === 0) return null;
    const factorId = spent[0]!.factor_id;
    const [{ remaining }] = rowsOf<{ remaining: number }>(
      await sql.query(
        `SELECT count(*)::int AS remaining FROM recovery_codes WHERE factor_id = $1 AND used_at IS NULL`,
        [factorId],
      ),
    );
    await sql.query(`UPDATE mfa_factors SET label = $2, last_used_at = $3 WHERE id = $1`, [factorId, recoveryCodesLabel(remaining), this.clock.now()]);
    return { factorId, remaining };
  }
}
