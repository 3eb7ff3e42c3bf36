import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  isISO8601,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
} from 'class-validator';
import { validationFailed } from '../../common/errors/problem.exception.js';

/**
 * A date (`2025-01-31`, midnight UTC) or a date-time with its offset. A
 * date-time without one is refused rather than read in the server's zone,
 * so the same query means the same window wherever it runs.
 */
const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const INSTANT_MESSAGE = 'must be an ISO-8601 date (2025-01-31) or date-time with offset (2025-01-31T12:00:00Z)';

/** The shape above, and a real calendar date (2025-02-30 matches the shape; only the strict check refuses it). */
function IsInstant(): PropertyDecorator {
  return ValidateBy({
    name: 'isInstant',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && INSTANT.test(value) && isISO8601(value, { strict: true, strictSeparator: true }),
      defaultMessage: () => INSTANT_MESSAGE,
    },
  });
}

/** A time window `[from, to)`, shared by the admin reports. */
export class TimeRangeQueryDto {
  @ApiPropertyOptional({ example: '2025-01-01', description: 'Inclusive start (ISO-8601)' })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ example: '2025-02-01T00:00:00Z', description: 'Exclusive end (ISO-8601)' })
  @IsOptional()
  @IsInstant()
  to?: string;
}

export class AuditQueryDto extends TimeRangeQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Events about this account' })
  @IsOptional()
  @IsUUID('all', { message: 'must be a UUID' })
  userId?: string;

  @ApiPropertyOptional({ example: 'mfa.code.failed' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^[a-z._]+$/, { message: 'must be an event type such as mfa.code.failed' })
  type?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

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
