import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One security event. Append-only: a trigger refuses UPDATE and DELETE. */
@Entity({ name: 'audit_events' })
@Index('audit_events_user_id_created_at_idx', ['userId', 'createdAt'])
@Index('audit_events_type_created_at_idx', ['type', 'createdAt'])
@Index('audit_events_created_at_idx', ['createdAt'])
export class AuditEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'text' })
  type: string;

  /** The account the event is about. */
  @Column({ type: 'uuid', name: 'user_id', nullable: true })
  userId: string | null;

  /** Who did it, when not the user themself (an admin). */
  @Column({ type: 'uuid', name: 'actor_id', nullable: true })
  actorId: string | null;

  @Column({ type: 'text', nullable: true })
  ip: string | null;

  @Column({ type: 'text', name: 'user_agent', nullable: true })
  userAgent: string | null;

  /** Never a code, password, token or full phone number. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata: Record<string, unknown>;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}
