import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Public } from '../vocabulary/access.decorators.js';
import { Clock } from '../common/clock.js';
import { CommonException, validationFailed } from '../common/errors/problem.exception.js';
import { parseOrRefuse } from '../common/validation/parse.js';
import { ApiProblems } from '../common/openapi/api-problems.decorator.js';
import { InjectSmsConfig } from '../config/config.tokens.js';
import { VonageDeliveryReceiptDto } from './dto/sms.dto.js';
import type { SmsConfig } from '../config/app-config.js';
import { smsMessagesTotal, smsReceiptSeconds } from './sms-metrics.js';
import { isValidVonageSignature } from './vonage-signature.js';
import { z } from 'zod';

/** How far a receipt's signing time may be from ours (security.md: webhooks checked for freshness). */
const MAX_SKEW_SECONDS = 300;

/**
 * Vonage delivery receipts. Authenticated by signature (VONAGE_SIGNATURE_SECRET;
 * without it the route refuses everything), fresh within five minutes, and
 * idempotent: a replayed receipt changes nothing a second time.
 */
@ApiTags('webhooks')
@Controller('webhooks/vonage')
export class DeliveryReceiptController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectSmsConfig() private readonly sms: SmsConfig,
    private readonly clock: Clock,
  ) {}

  @Post('delivery-receipt')
  @Public()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Vonage delivery receipt (webhook)',
    description: 'Called by Vonage, not by clients: signed with VONAGE_SIGNATURE_SECRET (without it every receipt is refused) and fresh within 5 minutes; a replay changes nothing.',
  })
  @ApiBody({ type: VonageDeliveryReceiptDto })
  @ApiNoContentResponse({ description: 'Recorded (or already recorded)' })
  @ApiProblems('UNAUTHENTICATED')
  async receive(@Body() body: unknown): Promise<void> {
    const params = parseOrRefuse(receiptFields, body);
    const secret = this.sms.vonage.signatureSecret;
    if (!secret || !isValidVonageSignature(params, secret)) {
      throw new CommonException('UNAUTHENTICATED', { detail: 'Invalid webhook signature.' });
    }
    const signedAt = Number(params.timestamp);
    if (!Number.isFinite(signedAt) || Math.abs(this.clock.now().getTime() / 1000 - signedAt) > MAX_SKEW_SECONDS) {
      throw validationFailed([{ field: 'timestamp', message: 'is missing or too far from the current time' }]);
    }
    const messageId = params.messageId;
    if (!messageId) throw validationFailed([{ field: 'messageId', message: 'is required' }]);
    const now = this.clock.now();
    if (params.status === 'delivered') {
      // Only the first receipt moves the row; replays match nothing.
      const result: [unknown[], number] = await this.dataSource.query(
        `UPDATE sms_messages SET status = 'delivered', delivered_at = $2, updated_at = $2
          WHERE provider = 'vonage' AND provider_message_id = $1 AND delivered_at IS NULL RETURNING destination_country, sent_at`,
        [messageId, now],
      );
      for (const row of result[0] as Array<{ destination_country: string; sent_at: Date | null }>) {
        smsMessagesTotal.inc({ provider: 'vonage', country: row.destination_country, status: 'delivered' });
        if (row.sent_at) smsReceiptSeconds.observe({ provider: 'vonage', country: row.destination_country }, Math.max(0, (now.getTime() - row.sent_at.getTime()) / 1000));
      }
    } else if (['failed', 'rejected', 'expired'].includes(params.status ?? '')) {
      await this.dataSource.query(
        `UPDATE sms_messages SET status = 'failed', last_error = $3, updated_at = $2
          WHERE provider = 'vonage' AND provider_message_id = $1 AND status = 'sent'`,
        [messageId, now, `receipt_${params.status}`],
      );
    }
  }
}

/** A receipt is a flat map of short strings (numbers read as text); anything else is not one. */
const receiptFields = z
  .record(
    z.string().max(64, 'is too long'),
    z
      .union([z.string(), z.number()], { error: 'must be a string' })
      .transform(String)
      .pipe(z.string().max(512, 'is too long')),
    { error: 'must be a JSON object' },
  )
  .refine((fields) => Object.keys(fields).length <= 40, 'has too many fields');
