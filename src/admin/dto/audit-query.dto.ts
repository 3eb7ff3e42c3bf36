import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { validationFailed } from '../../common/errors/problem.exception.js';
import { queryInt, text } from '../../common/validation/fields.js';

const INSTANT_MESSAGE = 'must be an ISO-8601 date (2025-01-31) or date-time with offset (2025-01-31T12:00:00Z)';

/**
 * A date (`2025-01-31`, midnight UTC) or a date-time with its offset, on a
 * real calendar day (2025-02-30 is refused). A date-time without an offset is
 * refused rather than read in the server's zone, so the same query means the
 * same window wherever it runs.
 */
const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true }), z.iso.datetime({ offset: true, precision: -1 })], {
  error: INSTANT_MESSAGE,
});

/** A time window `[from, to)`, shared by the admin reports. */
const timeRange = z.strictObject({
  from: instant.optional().meta({ example: '2025-01-01', description: 'Inclusive start (ISO-8601)' }),
  to: instant.optional().meta({ example: '2025-02-01T00:00:00Z', description: 'Exclusive end (ISO-8601)' }),
});

export class TimeRangeQueryDto extends createZodDto(timeRange) {}

export class AuditQueryDto extends createZodDto(
  timeRange.extend({
    userId: z.uuid({ error: 'must be a UUID' }).optional().meta({ description: 'Events about this account' }),
    type: text(64)
      .regex(/^[a-z._]+$/, 'must be an event type such as mfa.code.failed')
      .optional()
      .meta({ example: 'mfa.code.failed' }),
    cursor: text(200).optional().meta({ description: 'nextCursor of the previous page' }),
    limit: queryInt(1, 200).optional().meta({ default: 50 }),
  }),
) {}

/** The window of a validated query as instants; refuses an empty or inverted one. */
export function timeRangeOf(query: TimeRangeQueryDto): { from: Date | null; to: Date | null } {
  const from = query.from === undefined ? null : instantOf(query.from, 'from');
  const to = query.to === undefined ? null : instantOf(query.to, 'to');
  if (from && to && from.getTime() >= to.getTime()) {
    throw validationFailed([{ field: 'from', message: 'must be before to' }]);
  }
  return { from, to };
}

function instantOf(value: string, field: string): Date {
  const instant = new Date(Date.parse(value));
  // Years outside 1–9999 (after the offset) parse in JavaScript but do not survive the trip to Postgres (it has no year 0): a 400, not a 500.
  const year = instant.getUTCFullYear();
  if (Number.isNaN(instant.getTime()) || year < 1 || year > 9999) {
    throw validationFailed([{ field, message: INSTANT_MESSAGE }]);
  }
  return instant;
}
