import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from '../users/user.entity.js';
import type { FactorType } from '../vocabulary/factor-type.js';

export type FactorStatus = 'pending' | 'active';

/**
 * One second factor of a user. Columns that only one factor type uses are
 * named after it; secrets and phone numbers are stored encrypted
 * (security.md: nothing secret in the database in plaintext).
 */
@Entity({ name: 'mfa_factors' })
@Index('mfa_factors_user_id_idx', ['userId'])
export class Factor {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'uuid', name: 'user_id' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ type: 'text' })
  type: FactorType;

  @Column({ type: 'text' })
  status: FactorStatus;

  /** What the user sees: a masked number, an authenticator name. Never the secret. */
  @Column({ type: 'text' })
  label: string;

  /** SMS: the E.164 number, AES-256-GCM sealed with the factor id as associated data. */
  @Column({ type: 'text', name: 'phone_ciphertext', nullable: true })
  phoneCiphertext: string | null;

  /** SMS: keyed hash of the number, for per-destination limits without decrypting. */
  @Column({ type: 'text', name: 'phone_hash', nullable: true })
  phoneHash: string | null;

  /** SMS: ISO 3166-1 alpha-2 country of the number, for the country allow-list. */
  @Column({ type: 'text', name: 'phone_country', nullable: true })
  phoneCountry: string | null;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'activated_at', nullable: true })
  activatedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;
}
