import { Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  getOptionsToken,
  getStorageToken,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { ThrottlerRequest } from '@nestjs/throttler/dist/throttler.guard.interface.js';

export const RATE_LIMIT_SCALE = Symbol('RATE_LIMIT_SCALE');

/**
 * Per-IP throttling (@nestjs/throttler) with one twist: every limit, the
 * default and each route's @Throttle, is multiplied by a scale that is 1 in
 * production. Load and concurrency tests, which fire hundreds of requests from
 * one loopback address, raise it; the throttling tests keep it at 1.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @Inject(getOptionsToken()) options: ThrottlerModuleOptions,
    @Inject(getStorageToken()) storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(RATE_LIMIT_SCALE) private readonly scale: number,
  ) {
    super(options, storage, reflector);
  }

  protected override handleRequest(requestProps: ThrottlerRequest): Promise<boolean> {
    return super.handleRequest({ ...requestProps, limit: requestProps.limit * this.scale });
  }
}
