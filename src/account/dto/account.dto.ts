import { ApiProperty } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { text } from '../../common/validation/fields.js';

export class ForgotPasswordDto extends createZodDto(
  z.strictObject({ email: z.string().trim().max(254).meta({ example: 'ada@example.com' }) }),
) {}

export class ResetPasswordDto extends createZodDto(
  z.strictObject({
    token: text(128).meta({ description: 'The token from the emailed link (`…/reset-password#token=…`)', example: 'p1Xo2mYJ0s0c8n5q3u6N7cQe9Zr4Wb1Kx2Lf8Hd5Tg0' }),
    password: z.string().min(1).max(512).meta({ description: '8 to 128 characters are accepted as a password' }),
  }),
) {}

export class ChangePasswordDto extends createZodDto(
  z.strictObject({
    currentPassword: text(512),
    newPassword: z.string().min(1).max(512).meta({ description: '8 to 128 characters are accepted as a password' }),
  }),
) {}

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
