import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Failed password attempts for one email address, reserved before the password is checked (password-attempts.repository.ts). */
@Entity({ name: 'password_attempt_budgets' })
@Index('password_attempt_budgets_last_failure_at_idx', ['lastFailureAt'])
export class PasswordAttemptBudget {
  /** Keyed hash of the normalised email: known and unknown addresses alike, never the address itself. */
  @PrimaryColumn({ type: 'text', name: 'email_hash', primaryKeyConstraintName: 'PK_password_attempt_budgets' })
  emailHash: string;

  @Column({ type: 'integer' })
  failures: number;

  @Column({ type: 'timestamptz', name: 'last_failure_at' })
  lastFailureAt: Date;
}
