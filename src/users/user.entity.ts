import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Role } from '../vocabulary/role.js';

@Entity({ name: 'users' })
export class User {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  /** Normalised (NFKC, trimmed, lower case); unique. */
  @Column({ type: 'text', unique: true })
  email: string;

  /** Argon2id PHC string; never leaves this module. */
  @Column({ type: 'text', name: 'password_hash' })
  passwordHash: string;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  roles: Role[];

  /** Set by admins; MFA policy rules match on them (vocabulary/group.ts says what a name may be). */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  groups: string[];

  /** BCP 47 tag used for SMS text; null → the request's Accept-Language. */
  @Column({ type: 'text', nullable: true })
  locale: string | null;

  /** Failed second-factor attempts before this moment no longer count towards the account limit (admin unlock). */
  @Column({ type: 'timestamptz', name: 'mfa_unlocked_at', nullable: true })
  mfaUnlockedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
