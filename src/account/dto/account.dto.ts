import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Length, MaxLength } from 'class-validator';

export class ForgotPasswordDto {
  @ApiProperty({ example: 'ada@example.com' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MaxLength(254)
  email: string;
}

export class ResetPasswordDto {
  @ApiProperty({ description: 'The token from the emailed link (`…/reset-password#token=…`)', example: 'p1Xo2mYJ0s0c8n5q3u6N7cQe9Zr4Wb1Kx2Lf8Hd5Tg0' })
  @IsString()
  @MaxLength(128)
  token: string;

  @ApiProperty({ minLength: 8, maxLength: 128 })
  @IsString()
  @Length(1, 512)
  password: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @MaxLength(512)
  currentPassword: string;

  @ApiProperty({ minLength: 8, maxLength: 128 })
  @IsString()
  @Length(1, 512)
  newPassword: string;
}

export class ForgotPasswordResponseDto {
  @ApiProperty({ enum: ['accepted'], description: 'The same answer for every address, known or not' })
  status: 'accepted';
}

export class SessionViewDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ description: 'This is the session the request came from' })
  current: boolean;

  @ApiProperty({ enum: ['aal1', 'aal2'] })
  aal: 'aal1' | 'aal2';

  @ApiProperty({ type: [String], example: ['pwd', 'sms'] })
  amr: string[];

  @ApiProperty({ nullable: true, type: String, example: '203.0.113.7' })
  ip: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' })
  userAgent: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'A short device description read from the user agent', example: 'Firefox on Linux' })
  device: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  lastUsedAt: string;
}
