import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { Amr } from '../vocabulary/assurance.js';
import { User } from '../users/user.entity.js';

/** A remembered device (trusted-devices.repository.ts holds its SQL). */
@Entity({ name: 'trusted_devices' })
@Index('trusted_devices_token_hash_key', ['tokenHash'], { unique: true })
@Index('trusted_devices_user_id_idx', ['userId'])
export class TrustedDevice {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_trusted_devices' })
  id: string;

  @Column({ type: 'uuid', name: 'user_id' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_trusted_devices_user' })
  user?: User;

  /** Keyed hash (HMAC) of the device token; the token itself is only ever on the device. */
  @Column({ type: 'text', name: 'token_hash' })
  tokenHash: string;

  /** From the user agent that asked to be remembered, to tell devices apart in the list. */
  @Column({ type: 'text' })
  label: string;

  /** The second factor completed when the device was trusted; a login with the device carries it. */
  @Column({ type: 'text', array: true })
  amr: Amr[];

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt: Date;

  @Column({ type: 'timestamptz', name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'revoked_at', nullable: true })
  revokedAt: Date | null;

  @Column({ type: 'text', name: 'revoked_reason', nullable: true })
  revokedReason: string | null;
}
