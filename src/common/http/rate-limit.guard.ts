import { Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  getOptionsToken,
  getStorageToken,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';

export const RATE_LIMIT_SCALE = Symbol('RATE_LIMIT_SCALE');

/**
 * Multiplies every limit, the default and each route's @Throttle. It is 1:
 * load and concurrency tests, which fire hundreds of requests from one
 * loopback address, override this provider; the throttling tests keep it.
 */
export const rateLimitScaleProvider = { provide: RATE_LIMIT_SCALE, useValue: 1 };

/** Per-IP throttling (@nestjs/throttler), with every limit multiplied by RATE_LIMIT_SCALE. */
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
