import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from '../users/user.entity.js';

/**
 * The per-account second-factor budget (NIST SP 800-63B §5.2.2): one row per
 * user, reserved by one conditional `UPDATE … RETURNING` before any code is
 * compared, with the back-off state in the same row. A success clears it.
 */
@Entity({ name: 'mfa_attempt_budgets' })
export class MfaAttemptBudget {
  @PrimaryColumn({ type: 'uuid', name: 'user_id', primaryKeyConstraintName: 'PK_mfa_attempt_budgets' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_mfa_attempt_budgets_user' })
  user?: User;

  /** Attempts reserved in the current window that did not end in a success. */
  @Column({ type: 'integer' })
  failures: number;

  @Column({ type: 'timestamptz', name: 'window_started_at' })
  windowStartedAt: Date;

  @Column({ type: 'timestamptz', name: 'last_failure_at' })
  lastFailureAt: Date;
}
