import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../vocabulary/access.decorators.js';
import { ConsoleSmsSender } from './console-sms.sender.js';
import { DevSmsOutboxDto, DevSmsQueryDto } from './dto/sms.dto.js';
import { SmsSender } from './sms-sender.js';

/** Every code message starts with the code (sms-message.ts); notices start with the app's name. */
const LEADING_CODE = /^(\d{4,12})\s/;

/**
 * Development only: the messages the console sender "sent", newest first, so
 * a developer can read a code without a phone (`?to=+44…` for one number's).
 * Registered only when NODE_ENV is set to development explicitly and the
 * console sender is in use (never in tests, in production, with NODE_ENV
 * unset or with a real provider).
 */
@ApiTags('development')
@Controller('dev/sms')
export class DevSmsController {
  constructor(private readonly sender: SmsSender) {}

  @Get()
  @Public()
  @ApiOperation({
    summary: 'Development only: the SMS the console sender printed, newest first',
    description: 'Served only with NODE_ENV=development and the console sender; absent (404) everywhere else, and from this document there.',
  })
  @ApiOkResponse({ type: DevSmsOutboxDto, description: 'The last messages, newest first; `items[0].code` is the latest code' })
  list(@Query() query: DevSmsQueryDto): DevSmsOutboxDto {
    const sent = this.sender instanceof ConsoleSmsSender ? this.sender.recent().reverse() : [];
    const items = query.to === undefined ? sent : sent.filter((m) => m.to === query.to);
    return {
      items: items.map((m) => ({ to: m.to, text: m.text, code: LEADING_CODE.exec(m.text)?.[1] ?? null, sentAt: m.sentAt.toISOString() })),
    };
  }
}
