import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One counter per key and fixed window (send caps); reserved with `INSERT … ON CONFLICT DO UPDATE … RETURNING`. */
@Entity({ name: 'rate_counters' })
@Index('rate_counters_window_start_idx', ['windowStart'])
export class RateCounter {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'PK_rate_counters' })
  key: string;

  @PrimaryColumn({ type: 'timestamptz', name: 'window_start', primaryKeyConstraintName: 'PK_rate_counters' })
  windowStart: Date;

  @Column({ type: 'integer' })
  hits: number;
}
