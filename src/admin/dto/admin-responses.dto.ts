import { ApiProperty } from '@nestjs/swagger';
import { FactorViewDto } from '../../mfa/dto/mfa-responses.dto.js';

/** Response shapes of the administration routes, as the OpenAPI document describes them. */

const EXAMPLE_USER_ID = '0b6f2c1e-8d4a-4f7e-9a51-3c2d1e0f9a87';

export class UserSummaryDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_USER_ID })
  id: string;

  @ApiProperty({ example: 'ada@example.com' })
  email: string;

  @ApiProperty({ type: [String], enum: ['admin'], example: [] })
  roles: string[];

  @ApiProperty({ format: 'date-time', example: '2026-12-01T08:00:00.000Z' })
  createdAt: string;
}

export class UserPageDto {
  @ApiProperty({ type: [UserSummaryDto] })
  items: UserSummaryDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last one', example: 'eyJjIjoiMjAyNi0xMi0wMVQwODowMDowMC4wMDBaIn0' })
  nextCursor: string | null;
}

export class AccountLockDto {
  @ApiProperty({ description: 'Second factors are refused for now', example: false })
  locked: boolean;

  @ApiProperty({ example: 2 })
  failedAttemptsLastHour: number;

  @ApiProperty({ example: 0 })
  retryAfterSeconds: number;
}

export class UserSessionDto {
  @ApiProperty({ format: 'uuid', example: '7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6' })
  id: string;

  @ApiProperty({ enum: ['aal1', 'aal2'], example: 'aal2' })
  aal: string;

  @ApiProperty({ type: [String], example: ['pwd', 'sms'] })
  amr: string[];

  @ApiProperty({ format: 'date-time', example: '2026-12-02T09:30:00.000Z' })
  createdAt: string;

  @ApiProperty({ format: 'date-time', example: '2026-12-02T09:45:00.000Z' })
  lastUsedAt: string;

  @ApiProperty({ format: 'date-time', example: '2027-01-01T09:30:00.000Z' })
  expiresAt: string;

  @ApiProperty({ type: String, nullable: true, example: '203.0.113.7' })
  ip: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Mozilla/5.0' })
  userAgent: string | null;
}

export class UserGroupsResponseDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_USER_ID })
  id: string;

  @ApiProperty({ type: [String], description: 'Sorted, without repeats', example: ['contractors', 'finance'] })
  groups: string[];
}

export class UserDetailsDto extends UserSummaryDto {
  @ApiProperty({ type: [String], description: 'Set by admins; MFA policy rules can match on them', example: ['finance'] })
  groups: string[];

  @ApiProperty({ type: [FactorViewDto] })
  factors: FactorViewDto[];

  @ApiProperty({ type: AccountLockDto })
  lock: AccountLockDto;

  @ApiProperty({ type: [UserSessionDto], description: 'Sessions that have not ended' })
  sessions: UserSessionDto[];
}

export class AuditEventDto {
  @ApiProperty({ example: '1042' })
  id: string;

  @ApiProperty({ example: 'mfa.factor.activated' })
  type: string;

  @ApiProperty({ type: String, nullable: true, format: 'uuid', example: EXAMPLE_USER_ID })
  userId: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'The admin who acted, when not the user', example: null })
  actorId: string | null;

  @ApiProperty({ type: String, nullable: true, example: '203.0.113.7' })
  ip: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'curl/8.5.0' })
  userAgent: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { factorId: '5e3c7a90-1b2d-4c8e-9f0a-6d5e4c3b2a19', factorType: 'sms' } })
  metadata: Record<string, unknown>;

  @ApiProperty({ format: 'date-time', example: '2026-12-02T09:31:00.000Z' })
  createdAt: string;
}

export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto], description: 'Newest first' })
  items: AuditEventDto[];

  @ApiProperty({ type: String, nullable: true, example: null })
  nextCursor: string | null;
}

export class SmsCountsDto {
  @ApiProperty({ description: 'Codes the provider accepted', example: 120 })
  sent: number;

  @ApiProperty({ description: 'Codes confirmed delivered to the handset', example: 112 })
  delivered: number;

  @ApiProperty({ description: 'Codes given up on', example: 3 })
  failed: number;
}

export class MfaCountsDto extends SmsCountsDto {
  @ApiProperty({ example: 101 })
  verified: number;

  @ApiProperty({ example: 14 })
  failedAttempts: number;

  @ApiProperty({ example: 1 })
  lockouts: number;
}

export class MfaDayCountsDto extends MfaCountsDto {
  @ApiProperty({ format: 'date', example: '2026-12-02' })
  day: string;
}

export class SmsCountryCountsDto extends SmsCountsDto {
  @ApiProperty({ description: 'ISO 3166-1 alpha-2', example: 'GB' })
  country: string;
}

export class MfaStatsDto {
  @ApiProperty({ format: 'date-time', example: '2026-11-25T00:00:00.000Z' })
  from: string;

  @ApiProperty({ format: 'date-time', example: '2026-12-02T00:00:00.000Z' })
  to: string;

  @ApiProperty({ type: MfaCountsDto })
  totals: MfaCountsDto;

  @ApiProperty({ type: [MfaDayCountsDto], description: 'Every UTC day of the window, oldest first' })
  byDay: MfaDayCountsDto[];

  @ApiProperty({ type: [SmsCountryCountsDto], description: 'Most codes sent first' })
  byCountry: SmsCountryCountsDto[];
}
