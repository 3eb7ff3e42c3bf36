import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from '../../../users/user.entity.js';
import { Factor } from '../../factor.entity.js';

export type WebauthnChallengePurpose = 'register' | 'authenticate';

/**
 * One WebAuthn ceremony's challenge (WebAuthn L3 §13.4.3). It is a nonce,
 * not a secret, so it is stored as issued; what matters is that it is used
 * once, soon, and only by the caller it was issued to (security.md: Factors).
 */
@Entity({ name: 'webauthn_challenges' })
@Index('webauthn_challenges_user_id_created_at_idx', ['userId', 'createdAt'])
@Index('webauthn_challenges_factor_id_idx', ['factorId'])
export class WebauthnChallenge {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'uuid', name: 'user_id' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ type: 'text' })
  purpose: WebauthnChallengePurpose;

  /** The base64url challenge handed to the client; the response's clientDataJSON must echo it. */
  @Column({ type: 'text' })
  challenge: string;

  /** Authentication: the factor whose credential is asked for. Registration: null (the factor does not exist yet). */
  @Column({ type: 'uuid', name: 'factor_id', nullable: true })
  factorId: string | null;

  @ManyToOne(() => Factor, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'factor_id' })
  factor?: Factor;

  /** The login attempt (mfaToken jti) it belongs to; only that token may answer it. */
  @Column({ type: 'uuid', name: 'attempt_id', nullable: true })
  attemptId: string | null;

  /** For registration from a signed-in session: the session it belongs to. */
  @Column({ type: 'uuid', name: 'session_id', nullable: true })
  sessionId: string | null;

  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt: Date;

  @Column({ type: 'timestamptz', name: 'consumed_at', nullable: true })
  consumedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}
