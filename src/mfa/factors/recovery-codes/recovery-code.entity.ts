import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Factor } from '../../factor.entity.js';

/**
 * One code of a user's recovery-code set (the set is one mfa_factors row of
 * type `recovery_code`). Only a keyed hash of the code is stored
 * (security.md: recovery codes stored hashed); the plaintext is shown once.
 */
@Entity({ name: 'recovery_codes' })
@Index('recovery_codes_factor_id_idx', ['factorId'])
@Index('recovery_codes_code_hash_idx', ['codeHash'], { unique: true })
export class RecoveryCode {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'uuid', name: 'factor_id' })
  factorId: string;

  @ManyToOne(() => Factor, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'factor_id' })
  factor?: Factor;

  /** HMAC-SHA-256 of the normalised code under the server's lookup key (SecretsService.lookupHash). */
  @Column({ type: 'text', name: 'code_hash' })
  codeHash: string;

  /** Set once, by the one conditional UPDATE that spends the code. */
  @Column({ type: 'timestamptz', name: 'used_at', nullable: true })
  usedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}
