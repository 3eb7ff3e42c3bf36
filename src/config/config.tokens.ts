import { Inject } from '@nestjs/common';

/** Injection tokens for what is resolved before Nest starts (see bootstrap.ts). */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const APP_KEYS = Symbol('APP_KEYS');

export const InjectConfig = () => Inject(APP_CONFIG);
export const InjectKeys = () => Inject(APP_KEYS);
