import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Factor } from '../../factor.entity.js';
import type { TotpAlgorithm } from './totp.js';

/**
 * The shared secret of one TOTP factor (RFC 6238), one row per factor: the
 * factor id is the primary key, so a second row cannot exist. (A many-to-one
 * relation rather than one-to-one only because the primary key already makes
 * it unique; one-to-one would add a redundant unique constraint.)
 */
@Entity({ name: 'totp_secrets' })
export class TotpSecret {
  @PrimaryColumn({ type: 'uuid', name: 'factor_id' })
  factorId: string;

  @ManyToOne(() => Factor, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'factor_id' })
  factor?: Factor;

  /**
   * The Base32 secret, AES-256-GCM sealed with `totp:<factorId>` as associated
   * data (security.md: TOTP secrets are encrypted at rest; a ciphertext copied
   * to another factor's row does not open).
   */
  @Column({ type: 'text', name: 'secret_ciphertext' })
  secretCiphertext: string;

  @Column({ type: 'text' })
  algorithm: TotpAlgorithm;

  @Column({ type: 'int' })
  digits: number;

  @Column({ type: 'int', name: 'period_seconds' })
  periodSeconds: number;

  /**
   * The last time step accepted (RFC 6238 §5.2: a verifier must not accept an
   * OTP twice). Only a greater step is accepted next. pg returns bigint as text.
   */
  @Column({ type: 'bigint', name: 'last_used_step', nullable: true })
  lastUsedStep: string | null;
}
