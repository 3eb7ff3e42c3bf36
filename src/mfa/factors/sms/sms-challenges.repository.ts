import { Injectable } from '@nestjs/common';
import type { Sql } from '../../../database/database.js';
import type { ReservationRow } from '../../attempt-budget.repository.js';
import type { ChallengeBinding } from '../../challenge-binding.js';
import type { SmsChallenge } from './sms-challenge.entity.js';

const COLUMNS = `id, user_id, factor_id, purpose, attempt_id, session_id, code_hash, superseded_code_hash, code_length, expires_at, attempts, max_attempts,
  sends, max_resends, resend_cooldown_seconds, last_sent_at, consumed_at, created_at, destination_prefix`;

interface Row {
  id: string;
  user_id: string;
  factor_id: string;
  purpose: SmsChallenge['purpose'];
  attempt_id: string | null;
  session_id: string | null;
  code_hash: string;
  superseded_code_hash: string | null;
  code_length: number;
  expires_at: Date;
  attempts: number;
  max_attempts: number;
  sends: number;
  max_resends: number;
  resend_cooldown_seconds: number;
  last_sent_at: Date;
  consumed_at: Date | null;
  created_at: Date;
  destination_prefix: string | null;
}

function toChallenge(r: Row): SmsChallenge {
  return {
    id: r.id,
    userId: r.user_id,
    factorId: r.factor_id,
    purpose: r.purpose,
    attemptId: r.attempt_id,
    sessionId: r.session_id,
    codeHash: r.code_hash,
    supersededCodeHash: r.superseded_code_hash,
    codeLength: r.code_length,
    expiresAt: r.expires_at,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    sends: r.sends,
    maxResends: r.max_resends,
    resendCooldownSeconds: r.resend_cooldown_seconds,
    lastSentAt: r.last_sent_at,
    consumedAt: r.consumed_at,
    createdAt: r.created_at,
    destinationPrefix: r.destination_prefix,
  };
}

function valuesOf(c: SmsChallenge): unknown[] {
  return [
    c.id,
    c.userId,
    c.factorId,
    c.purpose,
    c.attemptId,
    c.sessionId,
    c.codeHash,
    c.supersededCodeHash,
    c.codeLength,
    c.expiresAt,
    c.attempts,
    c.maxAttempts,
    c.sends,
    c.maxResends,
    c.resendCooldownSeconds,
    c.lastSentAt,
    c.consumedAt,
    c.createdAt,
    c.destinationPrefix,
  ];
}

/** Binds a challenge to the caller: the login attempt of an mfaToken, or the signed-in session. */
const BOUND = `(($3::uuid IS NOT NULL AND attempt_id = $3) OR ($4::uuid IS NOT NULL AND session_id = $4))`;

/** The SQL of `sms_challenges`. Each rule that must hold under concurrency is one conditional statement here. */
@Injectable()
export class SmsChallengesRepository {
  /**
   * The challenge and the outbox row that carries its code (`outbox` is the
   * sms module's INSERT, see outboxInsert) as CTEs of the send-caps
   * statement (SendCapsService.reserve): both are written only `when` the
   * send is within the caps, in the same round trip, atomic without a
   * transaction.
   */
  insertWithOutbox(challenge: SmsChallenge, outbox: (offset: number, when: string) => { text: string; values: unknown[] }) {
    return (offset: number, when: string) => {
      const own = valuesOf(challenge);
      const message = outbox(offset + own.length, 'EXISTS (SELECT 1 FROM challenge)');
      return {
        text: `challenge AS (INSERT INTO sms_challenges (${COLUMNS}) SELECT ${own.map((_, i) => `$${offset + i + 1}`).join(', ')} WHERE ${when} RETURNING id),
               outbox AS (${message.text})`,
        values: [...own, ...message.values],
      };
    };
  }

  async findBound(sql: Sql, id: string, binding: ChallengeBinding): Promise<SmsChallenge | null> {
    const [row] = await sql.query<Row>(`SELECT ${COLUMNS} FROM sms_challenges WHERE id = $1 AND user_id = $2 AND ${BOUND}`, [
      id,
      binding.userId,
      binding.attemptId,
      binding.sessionId,
    ]);
    return row ? toChallenge(row) : null;
  }

  /**
   * Counts one attempt *before* the code is compared, in one conditional
   * UPDATE, so concurrent guesses can never exceed the cap (security.md; the
   * same order as Ory Kratos' code persister). The account's reservation
   * (AttemptBudgetRepository's CTEs) runs first in the same statement, and
   * the challenge is counted only if it was granted. Returns the reservation
   * and, when counted, the challenge and whether its factor is still active
   * (null: unknown, not the caller's, used, locked or expired).
   */
  async countAttempt(
    sql: Sql,
    input: { id: string; binding: ChallengeBinding; now: Date },
    reservation: { text: string; values: unknown[]; columns: string },
  ): Promise<{ reservation: ReservationRow; counted: { challenge: SmsChallenge; factorActive: boolean } | null }> {
    const bound = BOUND.replaceAll('attempt_id', 'c.attempt_id').replaceAll('session_id', 'c.session_id');
    const [row] = await sql.query<ReservationRow & Partial<Row> & { factor_active: boolean | null }>(
      `WITH ${reservation.text}, counted AS (
         UPDATE sms_challenges c SET attempts = c.attempts + 1
           FROM mfa_factors f
          WHERE c.id = $1 AND c.user_id = $2 AND ${bound}
            AND c.consumed_at IS NULL AND c.attempts < c.max_attempts AND c.expires_at > $5 AND f.id = c.factor_id
            AND EXISTS (SELECT 1 FROM account)
          RETURNING ${COLUMNS.split(',').map((c) => `c.${c.trim()}`).join(', ')}, f.status = 'active' AS factor_active
       )
       SELECT ${reservation.columns}, counted.* FROM (SELECT 1) AS one LEFT JOIN counted ON true`,
      [input.id, input.binding.userId, input.binding.attemptId, input.binding.sessionId, input.now, ...reservation.values],
    );
    const counted = row && row.id ? { challenge: toChallenge(row as Row), factorActive: row.factor_active === true } : null;
    return { reservation: { token_ok: row?.token_ok ?? false, account_ok: row?.account_ok ?? false }, counted };
  }

  /**
   * Spends the challenge and marks its factor used, in one statement, with
   * `andThen`'s CTEs (built on `used`: the end of the account's run of
   * failures, the transaction's audit rows) in the same statement, after the
   * challenge and the factor in the lock order. Of many concurrent correct
   * submissions exactly one gets the row; returns false for the others.
   */
  async consume(sql: Sql, id: string, now: Date, andThen: Array<(offset: number) => { text: string; values: unknown[] }>): Promise<boolean> {
    const values: unknown[] = [id, now];
    const ctes = andThen.map((build) => {
      const cte = build(values.length);
      values.push(...cte.values);
      return cte.text;
    });
    const rows = await sql.query(
      `WITH spent AS (
         UPDATE sms_challenges SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL AND expires_at > $2 RETURNING factor_id
       ), used AS (
         UPDATE mfa_factors f SET last_used_at = $2 FROM spent WHERE f.id = spent.factor_id RETURNING f.id
       )${ctes.map((c) => `, ${c}`).join('')}
       SELECT id FROM used`,
      values,
    );
    return rows.length === 1;
  }

  /** A new code for the same challenge, conditional on the state the caller checked (two resends cannot both send). */
  async replaceCode(sql: Sql, input: { id: string; codeHash: string; now: Date; expiresAt: Date; expectedSends: number }): Promise<SmsChallenge | null> {
    const [row] = await sql.query<Row>(
      `UPDATE sms_challenges SET code_hash = $2, superseded_code_hash = NULL, sends = sends + 1, last_sent_at = $3, expires_at = $4
        WHERE id = $1 AND consumed_at IS NULL AND sends = $5 AND attempts < max_attempts
       RETURNING ${COLUMNS}`,
      [input.id, input.codeHash, input.now, input.expiresAt, input.expectedSends],
    );
    return row ? toChallenge(row) : null;
  }

  /**
   * Counts a replacement code (a failover after a failed or missing receipt)
   * as one of the challenge's resends, in one conditional UPDATE: a used,
   * locked or expired challenge, or one whose resends are spent, gets none.
   */
  async countReplacement(sql: Sql, id: string, now: Date): Promise<boolean> {
    const rows = await sql.query(
      `UPDATE sms_challenges SET sends = sends + 1, last_sent_at = $2
        WHERE id = $1 AND consumed_at IS NULL AND attempts < max_attempts AND expires_at > $2 AND sends < 1 + max_resends
       RETURNING id`,
      [id, now],
    );
    return rows.length === 1;
  }

  /** The challenge, locked for the rest of the transaction (the outbox's code reissue after a restart). */
  async lock(sql: Sql, id: string): Promise<SmsChallenge | null> {
    const [row] = await sql.query<Row>(`SELECT ${COLUMNS} FROM sms_challenges WHERE id = $1 FOR UPDATE`, [id]);
    return row ? toChallenge(row) : null;
  }

  /** Replaces a code Sesame lost (a crash), keeping the old one's hash so that it costs the user nothing. */
  async supersedeCode(sql: Sql, id: string, codeHash: string): Promise<void> {
    await sql.query(`UPDATE sms_challenges SET superseded_code_hash = code_hash, code_hash = $2 WHERE id = $1`, [id, codeHash]);
  }

  /** Gives back the attempt counted for a code Sesame had itself made stale. */
  async refundAttempt(sql: Sql, id: string): Promise<void> {
    await sql.query(`UPDATE sms_challenges SET attempts = attempts - 1 WHERE id = $1 AND attempts > 0`, [id]);
  }
}
