import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { text } from '../../common/validation/fields.js';

export class DevSmsQueryDto extends createZodDto(
  z.strictObject({ to: text(32).optional().meta({ description: 'Only messages to this number (E.164)', example: '+447400123456' }) }),
) {}

export class DevSmsMessageDto {
  @ApiProperty({ example: '+447400123456' })
  to: string;

  @ApiProperty({ example: '654321 is your Sesame verification code. Valid for 5 min. Never share this code with anyone.\n@localhost #654321' })
  text: string;

  @ApiProperty({ type: String, nullable: true, description: 'The one-time code, for a code message; null for a notice', example: '654321' })
  code: string | null;

  @ApiProperty({ format: 'date-time', example: '2026-12-02T09:30:00.000Z' })
  sentAt: string;
}

export class DevSmsOutboxDto {
  @ApiProperty({ type: [DevSmsMessageDto], description: 'Newest first, at most the last 50' })
  items: DevSmsMessageDto[];
}

/** The fields Vonage posts (https://developer.vonage.com/en/messaging/sms/guides/delivery-receipts), signed with `sig`. */
export class VonageDeliveryReceiptDto {
  @ApiProperty({ description: 'The provider message id returned when the SMS was sent', example: '0A0000000123ABCD1' })
  messageId: string;

  @ApiProperty({ enum: ['delivered', 'expired', 'failed', 'rejected', 'accepted', 'buffered', 'unknown'], example: 'delivered' })
  status: string;

  @ApiProperty({ description: 'Signing time, Unix seconds; refused when more than 5 minutes away', example: '1764667800' })
  timestamp: string;

  @ApiProperty({ description: 'Signature over the other fields with VONAGE_SIGNATURE_SECRET', example: '1A2B3C4D5E6F7A8B9C0D1E2F3A4B5C6D' })
  sig: string;

  @ApiPropertyOptional({ example: '447400123456' })
  msisdn?: string;

  @ApiPropertyOptional({ example: 'Sesame' })
  to?: string;

  @ApiPropertyOptional({ example: '0' })
  'err-code'?: string;

  @ApiPropertyOptional({ description: 'Our outbox row id', example: '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a' })
  'client-ref'?: string;
}
