import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/guards/access.decorators.js';
import { ConsoleSmsSender } from './console-sms.sender.js';
import { SmsSender } from './sms-sender.js';

/**
 * Development only: the messages the console sender "sent", newest first, so
 * a developer can read a code without a phone. Registered only when NODE_ENV is
 * set to development explicitly and the console sender is in use (never in
 * tests, in production, with NODE_ENV unset or with a real provider).
 */
@ApiExcludeController()
@Controller('dev/sms')
export class DevSmsController {
  constructor(private readonly sender: SmsSender) {}

  @Get()
  @Public()
  list() {
    const items = this.sender instanceof ConsoleSmsSender ? this.sender.recent().reverse() : [];
    return { items: items.map((m) => ({ to: m.to, text: m.text, sentAt: m.sentAt })) };
  }
}
