import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A number prefix no code is sent to: blocked automatically when its conversion collapsed, lifted by an admin. */
@Entity({ name: 'sms_prefix_blocks' })
@Index('sms_prefix_blocks_active_idx', ['prefix'], { unique: true, where: '"lifted_at" IS NULL' })
export class SmsPrefixBlock {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  /** E.164 digits up to SMS_PREFIX_DIGITS, with the '+': a range of numbers, never one number. */
  @Column({ type: 'text' })
  prefix: string;

  @Column({ type: 'text' })
  country: string;

  @Column({ type: 'text' })
  reason: string;

  /** Codes sent to the prefix in the hour that blocked it. */
  @Column({ type: 'int' })
  sent: number;

  @Column({ type: 'int' })
  verified: number;

  @Column({ type: 'timestamptz', name: 'blocked_at' })
  blockedAt: Date;

  @Column({ type: 'timestamptz', name: 'lifted_at', nullable: true })
  liftedAt: Date | null;

  @Column({ type: 'uuid', name: 'lifted_by', nullable: true })
  liftedBy: string | null;
}
