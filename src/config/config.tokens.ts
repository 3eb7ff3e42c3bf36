import { Inject } from '@nestjs/common';

/**
 * Injection tokens for what is resolved before Nest starts (see bootstrap.ts).
 * A feature injects its own section of the configuration; APP_CONFIG holds the
 * process-wide values (environment, app name, database, Redis).
 */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const APP_KEYS = Symbol('APP_KEYS');
export const HTTP_CONFIG = Symbol('HTTP_CONFIG');
export const SMS_CONFIG = Symbol('SMS_CONFIG');
export const WEBAUTHN_CONFIG = Symbol('WEBAUTHN_CONFIG');
export const ALERTS_CONFIG = Symbol('ALERTS_CONFIG');
export const METRICS_CONFIG = Symbol('METRICS_CONFIG');

export const InjectConfig = () => Inject(APP_CONFIG);
export const InjectKeys = () => Inject(APP_KEYS);
export const InjectHttpConfig = () => Inject(HTTP_CONFIG);
export const InjectSmsConfig = () => Inject(SMS_CONFIG);
export const InjectWebauthnConfig = () => Inject(WEBAUTHN_CONFIG);
export const InjectAlertsConfig = () => Inject(ALERTS_CONFIG);
export const InjectMetricsConfig = () => Inject(METRICS_CONFIG);
