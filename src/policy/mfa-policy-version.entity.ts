import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { MfaPolicyDocument } from './policy-validation.js';

/**
 * One version of the MFA policy. Rows are only ever added: the newest is in
 * force, the older ones are the history of who changed what. The version is
 * the primary key, so two concurrent changes can never share a number.
 */
@Entity({ name: 'mfa_policy_versions' })
export class MfaPolicyVersion {
  @PrimaryColumn({ type: 'int' })
  version: number;

  /** The whole policy document as validated, without its `version`. */
  @Column({ type: 'jsonb' })
  document: MfaPolicyDocument;

  /** The admin who made the change. No foreign key: the history outlives a deleted account. */
  @Column({ type: 'uuid', name: 'created_by', nullable: true })
  createdBy: string | null;

  /** Set on a version a rollback made: the version whose document it restored. */
  @Column({ type: 'int', name: 'restored_from', nullable: true })
  restoredFrom: number | null;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}
