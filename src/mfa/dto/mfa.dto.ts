import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString, Length, MaxLength, Matches } from 'class-validator';
import { FACTOR_TYPES } from '../../vocabulary/factor-type.js';

export class StartChallengeDto {
  @ApiProperty({ description: 'One of the factors listed in the mfa_required response' })
  @IsString()
  @MaxLength(64)
  factorId: string;
}

/** One body for every factor (api.md: verify bodies); each factor checks the fields it needs. */
export class VerifyDto {
  @ApiPropertyOptional({ enum: FACTOR_TYPES, description: '`recovery_code` for a recovery code' })
  @IsOptional()
  @IsIn([...FACTOR_TYPES])
  type?: string;

  @ApiPropertyOptional({ description: 'SMS and WebAuthn: the challenge' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  challengeId?: string;

  @ApiPropertyOptional({ description: 'TOTP: the factor' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  factorId?: string;

  @ApiPropertyOptional({ description: 'SMS, TOTP or recovery code' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  code?: string;

  @ApiPropertyOptional({ description: 'WebAuthn: the authentication response (JSON form)' })
  @IsOptional()
  @IsObject()
  credential?: Record<string, unknown>;

  @ApiPropertyOptional({
    description:
      'Login only: trust this device. When the user’s policy rule remembers devices (rememberDeviceMaxAgeSeconds > 0) the response carries a `deviceToken` for POST /auth/login',
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  rememberDevice?: boolean;
}

export class EnrolSmsDto {
  @ApiProperty({ example: '+447400123456', description: 'A mobile number in international (E.164) format' })
  @IsString()
  @MaxLength(32)
  phone: string;
}

export class ActivateFactorDto {
  @ApiPropertyOptional({ description: 'SMS: the enrolment challenge' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  challengeId?: string;

  @ApiProperty()
  @IsString()
  @MaxLength(64)
  code: string;
}

export class RenameFactorDto {
  @ApiProperty({ example: 'Work laptop', maxLength: 64 })
  @IsString()
  @Length(1, 64)
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point of this pattern
  @Matches(/^[^\u0000-\u001f\u007f]+$/, { message: 'must not contain control characters' })
  label: string;
}
