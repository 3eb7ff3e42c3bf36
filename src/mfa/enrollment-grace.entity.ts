import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from '../users/user.entity.js';

/** One user's standing in an enrolment grace period (enrollment-grace.repository.ts holds its SQL). */
@Entity({ name: 'mfa_enrollment_grace' })
export class EnrollmentGraceRow {
  @PrimaryColumn({ type: 'uuid', name: 'user_id', primaryKeyConstraintName: 'PK_mfa_enrollment_grace' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_mfa_enrollment_grace_user' })
  user?: User;

  /** The first login at which the policy asked this user to enrol: days of grace count from here. */
  @Column({ type: 'timestamptz', name: 'started_at' })
  startedAt: Date;

  /** Logins made in that state, this one included. */
  @Column({ type: 'integer' })
  logins: number;

  @Column({ type: 'timestamptz', name: 'notice_sent_at', nullable: true })
  noticeSentAt: Date | null;
}
