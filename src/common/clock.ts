import { Injectable } from '@nestjs/common';

/**
 * The source of "now" for every expiry decision. Injected, never `new Date()`
 * in a service, so tests move time instead of sleeping.
 */
export abstract class Clock {
  abstract now(): Date;
}

@Injectable()
export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
