import { Injectable } from '@nestjs/common';
import type { Sql } from '../../../database/database.js';
import type { ReservationRow } from '../../attempt-budget.repository.js';
import type { ChallengeBinding } from '../../challenge-binding.js';
import type { EmailChallenge } from './email-challenge.entity.js';

const COLUMNS = `id, user_id, factor_id, purpose, attempt_id, session_id, code_hash, code_length, expires_at, attempts, max_attempts, consumed_at, created_at`;
const CASTS = ['uuid', 'uuid', 'uuid', 'text', 'uuid', 'uuid', 'text', 'int', 'timestamptz', 'int', 'int', 'timestamptz', 'timestamptz'];

interface Row {
  id: string;
  user_id: string;
  factor_id: string;
  purpose: EmailChallenge['purpose'];
  attempt_id: string | null;
  session_id: string | null;
  code_hash: string;
  code_length: number;
  expires_at: Date;
  attempts: number;
  max_attempts: number;
  consumed_at: Date | null;
  created_at: Date;
}

function toChallenge(r: Row): EmailChallenge {
  return {
    id: r.id,
    userId: r.user_id,
    factorId: r.factor_id,
    purpose: r.purpose,
    attemptId: r.attempt_id,
    sessionId: r.session_id,
    codeHash: r.code_hash,
    codeLength: r.code_length,
    expiresAt: r.expires_at,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    consumedAt: r.consumed_at,
    createdAt: r.created_at,
  };
}

function valuesOf(c: EmailChallenge): unknown[] {
  return [c.id, c.userId, c.factorId, c.purpose, c.attemptId, c.sessionId, c.codeHash, c.codeLength, c.expiresAt, c.attempts, c.maxAttempts, c.consumedAt, c.createdAt];
}

const BOUND = `((c.attempt_id IS NOT NULL AND c.attempt_id = $3::uuid) OR (c.session_id IS NOT NULL AND c.session_id = $4::uuid))`;

/** The SQL of `email_challenges`: each rule that must hold under concurrency is one conditional statement. */
@Injectable()
export class EmailChallengesRepository {
  /**
   * The challenge and the outbox row carrying its code as CTEs of the send
   * cap's statement (RateCountersRepository.hitAndRead): both are written only
   * `when` the send is within the cap.
   */
  insertWithOutbox(challenge: EmailChallenge, outbox: (offset: number, from: string) => { text: string; values: unknown[] }) {
    return (offset: number, when: string) => {
      const own = valuesOf(challenge);
      const message = outbox(offset + own.length, 'email_challenge');
      return {
        text: `email_challenge AS (
                 INSERT INTO email_challenges (${COLUMNS}) SELECT ${own.map((_, i) => `$${offset + i + 1}::${CASTS[i]}`).join(', ')} WHERE ${when} RETURNING id),
               email_outbox AS (${message.text})`,
        values: [...own, ...message.values],
      };
    };
  }

  async findBound(sql: Sql, id: string, binding: ChallengeBinding): Promise<EmailChallenge | null> {
    const [row] = await sql.query<Row>(`SELECT ${COLUMNS} FROM email_challenges c WHERE c.id = $1 AND c.user_id = $2 AND ${BOUND}`, [
      id,
      binding.userId,
      binding.attemptId,
      binding.sessionId,
    ]);
    return row ? toChallenge(row) : null;
  }

  /**
   * Counts one attempt *before* the code is compared, in one conditional
   * UPDATE after the account's reservation in the same statement (as for SMS
   * codes, security.md), so concurrent guesses never exceed a cap.
   */
  async countAttempt(
    sql: Sql,
    input: { id: string; binding: ChallengeBinding; now: Date },
    reservation: { text: string; values: unknown[]; columns: string },
  ): Promise<{ reservation: ReservationRow; counted: { challenge: EmailChallenge; factorActive: boolean } | null }> {
    const [row] = await sql.query<ReservationRow & Partial<Row> & { factor_active: boolean | null }>(
      `WITH ${reservation.text}, counted AS (
         UPDATE email_challenges c SET attempts = c.attempts + 1
           FROM mfa_factors f
          WHERE c.id = $1 AND c.user_id = $2 AND ${BOUND}
            AND c.consumed_at IS NULL AND c.attempts < c.max_attempts AND c.expires_at > $5 AND f.id = c.factor_id
            AND EXISTS (SELECT 1 FROM account)
          RETURNING ${COLUMNS.split(', ').map((c) => `c.${c}`).join(', ')}, f.status = 'active' AS factor_active
       )
       SELECT ${reservation.columns}, counted.* FROM (SELECT 1) AS one LEFT JOIN counted ON true`,
      [input.id, input.binding.userId, input.binding.attemptId, input.binding.sessionId, input.now, ...reservation.values],
    );
    const counted = row && row.id ? { challenge: toChallenge(row as Row), factorActive: row.factor_active === true } : null;
    return { reservation: { token_ok: row?.token_ok ?? false, account_ok: row?.account_ok ?? false }, counted };
  }

  /** Spends the challenge and marks its factor used; of concurrent correct submissions exactly one gets the row. */
  async consume(sql: Sql, id: string, now: Date, andThen: Array<(offset: number) => { text: string; values: unknown[] }>): Promise<boolean> {
    const values: unknown[] = [id, now];
    const ctes = andThen.map((build) => {
      const cte = build(values.length);
      values.push(...cte.values);
      return cte.text;
    });
    const rows = await sql.query(
      `WITH spent AS (
         UPDATE email_challenges SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL AND expires_at > $2 RETURNING factor_id
       ), used AS (
         UPDATE mfa_factors f SET last_used_at = $2 FROM spent WHERE f.id = spent.factor_id RETURNING f.id
       )${ctes.map((c) => `, ${c}`).join('')}
       SELECT id FROM used`,
      values,
    );
    return rows.length === 1;
  }
}
