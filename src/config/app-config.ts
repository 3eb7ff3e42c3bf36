import { availableParallelism } from 'node:os';
import { z } from 'zod';

/**
 * Typed configuration, read from the environment once at boot. Every problem
 * is reported at once (not the first one only) and the process stops; nothing
 * else in the code reads `process.env`.
 */
export type RuntimeEnv = 'development' | 'test' | 'production';

export interface AppConfig {
  env: RuntimeEnv;
  port: number;
  databaseUrl: string | null;
  /** Pooled Postgres connections per process. */
  databasePoolSize: number;
  /** HTTP worker processes (node:cluster); 1 runs the server in this process. */
  webConcurrency: number;
  redisUrl: string | null;
  dataDir: string;
  logLevel: string;
  trustProxyHops: number;
  corsOrigins: string[];
  bodyLimitBytes: number;
  appName: string;
  sms: {
    provider: 'console' | 'vonage';
    /** Serve GET /dev/sms (the console sender's recent messages): only with NODE_ENV=development set explicitly. */
    devOutbox: boolean;
    webOtpDomain: string;
    vonage: { apiKey: string; apiSecret: string; from: string; restHost: string; signatureSecret: string | null };
  };
  keys: {
    /** PEM (PKCS#8) Ed25519 or P-256 private key; null → generated into the data directory (not in production). */
    jwtPrivateKeyPem: string | null;
    /**
     * Public keys (PEM) of earlier signing keys, still published and accepted
     * until the tokens they signed have expired: rotation by `kid`.
     */
    jwtPreviousPublicKeysPem: string[];
    /** Root secret from which the HMAC and encryption keys are derived; null → generated (not in production). */
    appSecret: string | null;
  };
  bootstrapAdmin: { email: string; password: string } | null;
  /** Receives alerts (SMS budget exhausted…) as JSON POSTs; null → alerts go to the log only. */
  alertWebhookUrl: string | null;
  /** Codes sent per hour across all users before SMS stops (toll-fraud circuit breaker). */
  smsHourlyBudget: number;
  webauthn: { rpId: string; rpName: string; origins: string[] };
  metrics: MetricsAccess;
  /** Whether a password login needs a verified email address (false: unverified users sign in, as before verification existed). */
  loginRequiresVerifiedEmail: boolean;
  email: {
    /** `smtp` (SMTP_URL) or `console` (prints mail; development and tests only, like the console SMS sender). */
    provider: 'smtp' | 'console' | 'none';
    smtpUrl: string | null;
    /** The From header of every message. */
    from: string;
    /** Where the links in emails point: `<base>/reset-password#token=…`, `<base>/verify-email#token=…`. */
    linkBaseUrl: string;
  };
}

/**
 * Who may scrape GET /metrics (it shows SMS volume per country): holders of
 * METRICS_TOKEN when one is set; anyone in development and tests without one;
 * nobody in production without one.
 */
export type MetricsAccess = { mode: 'token'; token: string } | { mode: 'open' } | { mode: 'off' };

const PLACEHOLDER = /^(change-?me|changeme|secret|password|example|placeholder|todo|xxx+|test)$/i;

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const envSchema = z.object({
  // No default: unset reads as development for storage and keys, but opens nothing that shows codes (see SMS_PROVIDER).
  NODE_ENV: z.enum(['development', 'test', 'production']).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: optionalString.pipe(z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional()),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
  WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  REDIS_URL: optionalString.pipe(z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional()),
  DATA_DIR: optionalString,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  TRUST_PROXY: optionalString,
  CORS_ORIGINS: optionalString,
  BODY_LIMIT: optionalString.pipe(z.string().regex(/^\d+(kb|mb)?$/i, 'like 100kb').optional()),
  APP_NAME: optionalString.pipe(z.string().max(20, 'at most 20 characters (it goes into every SMS)').optional()),
  WEBOTP_DOMAIN: optionalString.pipe(
    z.string().regex(/^(?=.{1,253}$)([a-z0-9-]+\.)*[a-z0-9-]+$/i, 'must be a host name').optional(),
  ),
  SMS_PROVIDER: z.enum(['console', 'vonage']).optional(),
  VONAGE_API_KEY: optionalString,
  VONAGE_API_SECRET: optionalString,
  VONAGE_FROM: optionalString,
  VONAGE_REST_HOST: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  VONAGE_SIGNATURE_SECRET: optionalString,
  JWT_PRIVATE_KEY: optionalString,
  JWT_PREVIOUS_PUBLIC_KEYS: optionalString,
  APP_SECRET: optionalString,
  BOOTSTRAP_ADMIN_EMAIL: optionalString.pipe(z.email().optional()),
  BOOTSTRAP_ADMIN_PASSWORD: optionalString,
  ALERT_WEBHOOK_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  METRICS_TOKEN: optionalString.pipe(
    z
      .string()
      .min(32, 'at least 32 characters (e.g. `openssl rand -hex 32`)')
      .regex(/^[A-Za-z0-9._~+/-]+=*$/, 'letters, digits and -._~+/ only (it is sent as a bearer token)')
      .optional(),
  ),
  SMS_HOURLY_BUDGET: z.coerce.number().int().min(1).max(10_000_000).optional(),
  WEBAUTHN_RP_ID: optionalString,
  WEBAUTHN_RP_NAME: optionalString,
  WEBAUTHN_ORIGINS: optionalString,
  SMTP_URL: optionalString.pipe(z.string().regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL').optional()),
  MAIL_FROM: optionalString,
  LOGIN_REQUIRES_VERIFIED_EMAIL: z.enum(['true', 'false']).optional(),
  EMAIL_LINK_BASE_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
});

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`));
  }
  const e = parsed.data;
  const runtimeEnv: RuntimeEnv = e.NODE_ENV ?? 'development';
  const production = runtimeEnv === 'production';
  const problems: string[] = [];

  // The console sender prints codes (development) or drops them (tests), and /dev/sms lists them: both
  // need NODE_ENV to say so. An unset NODE_ENV (`node dist/src/main.js` on a server) opens neither.
  const consoleAllowed = e.NODE_ENV === 'development' || e.NODE_ENV === 'test';
  const smsProvider = e.SMS_PROVIDER ?? (consoleAllowed ? 'console' : production ? 'vonage' : null);
  if (smsProvider === null) {
    problems.push(
      'SMS_PROVIDER: required when NODE_ENV is not set: vonage (with its credentials), or set NODE_ENV=development for the console sender',
    );
  } else if (smsProvider === 'console' && production) {
    problems.push('SMS_PROVIDER: the console sender prints codes and is refused in production');
  } else if (smsProvider === 'console' && !consoleAllowed) {
    problems.push('SMS_PROVIDER: the console sender prints codes and needs NODE_ENV=development set explicitly');
  }
  if (smsProvider === 'vonage') {
    for (const name of ['VONAGE_API_KEY', 'VONAGE_API_SECRET', 'VONAGE_FROM'] as const) {
      if (!e[name]) problems.push(`${name}: required when SMS_PROVIDER=vonage`);
    }
  }
  if (production) {
    requireSecret(problems, 'JWT_PRIVATE_KEY', e.JWT_PRIVATE_KEY);
    requireSecret(problems, 'APP_SECRET', e.APP_SECRET);
    if (smsProvider === 'vonage') requireSecret(problems, 'VONAGE_API_SECRET', e.VONAGE_API_SECRET);
    if (!e.DATABASE_URL) problems.push('DATABASE_URL: required in production (the embedded database is for development)');
    // The SMS API receives every code and the webhook sees alert details: never in clear text across a network.
    for (const name of ['VONAGE_REST_HOST', 'ALERT_WEBHOOK_URL'] as const) {
      const url = e[name];
      if (url && !isHttpsOrLoopback(url)) problems.push(`${name}: must be an https:// URL in production`);
    }
  }
  if (e.APP_SECRET && Buffer.from(e.APP_SECRET, 'utf8').length < 32) {
    problems.push('APP_SECRET: at least 32 characters (e.g. `openssl rand -base64 48`)');
  }
  if (e.JWT_PREVIOUS_PUBLIC_KEYS && splitPems(e.JWT_PREVIOUS_PUBLIC_KEYS).length === 0) {
    problems.push('JWT_PREVIOUS_PUBLIC_KEYS: must hold one or more PEM public keys');
  }
  if (e.JWT_PRIVATE_KEY && !e.JWT_PRIVATE_KEY.includes('PRIVATE KEY')) {
    problems.push('JWT_PRIVATE_KEY: must be a PEM private key (PKCS#8, Ed25519 or P-256)');
  }
  if (Boolean(e.BOOTSTRAP_ADMIN_EMAIL) !== Boolean(e.BOOTSTRAP_ADMIN_PASSWORD)) {
    problems.push('BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD: set both or neither');
  }
  if (e.BOOTSTRAP_ADMIN_PASSWORD && e.BOOTSTRAP_ADMIN_PASSWORD.length < 8) {
    problems.push('BOOTSTRAP_ADMIN_PASSWORD: at least 8 characters');
  }
  // Mail carries reset links and codes: a real transport in production, the console only when NODE_ENV says development or test.
  // NODE_ENV unset without SMTP_URL: no transport, every message is recorded as failed (`not_configured`).
  const emailProvider = e.SMTP_URL ? 'smtp' : consoleAllowed ? 'console' : production ? null : 'none';
  if (emailProvider === null) problems.push('SMTP_URL: required in production (password reset and security notices go by email)');
  if (e.SMTP_URL && !e.MAIL_FROM) problems.push('MAIL_FROM: required with SMTP_URL (e.g. "Sesame <no-reply@example.com>")');
  if (production && e.EMAIL_LINK_BASE_URL && !e.EMAIL_LINK_BASE_URL.startsWith('https://')) problems.push('EMAIL_LINK_BASE_URL: must be an https:// URL in production');
  const trustProxyHops = parseTrustProxy(e.TRUST_PROXY, problems);
  const origins = splitList(e.WEBAUTHN_ORIGINS);
  for (const origin of origins) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) problems.push(`WEBAUTHN_ORIGINS: "${origin}" is not an origin`);
  }
  const corsOrigins = splitList(e.CORS_ORIGINS);
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) problems.push(`CORS_ORIGINS: "${origin}" is not an origin`);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const port = e.PORT;
  return {
    env: runtimeEnv,
    port,
    databaseUrl: e.DATABASE_URL ?? null,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    // Production uses every core by default. Development keeps one process: the console SMS
    // sender's /dev/sms list lives in that process's memory.
    webConcurrency: e.WEB_CONCURRENCY ?? (production ? availableParallelism() : 1),
    redisUrl: e.REDIS_URL ?? null,
    dataDir: e.DATA_DIR ?? '.data',
    logLevel: e.LOG_LEVEL ?? (runtimeEnv === 'test' ? 'silent' : 'info'),
    trustProxyHops,
    corsOrigins,
    bodyLimitBytes: parseSize(e.BODY_LIMIT ?? '64kb'),
    appName: e.APP_NAME ?? 'Sesame',
    sms: {
      provider: smsProvider ?? 'vonage',
      devOutbox: smsProvider === 'console' && e.NODE_ENV === 'development',
      webOtpDomain: e.WEBOTP_DOMAIN ?? 'localhost',
      vonage: {
        apiKey: e.VONAGE_API_KEY ?? '',
        apiSecret: e.VONAGE_API_SECRET ?? '',
        from: e.VONAGE_FROM ?? '',
        restHost: e.VONAGE_REST_HOST ?? 'https://rest.nexmo.com',
        signatureSecret: e.VONAGE_SIGNATURE_SECRET ?? null,
      },
    },
    keys: {
      jwtPrivateKeyPem: unescapeNewlines(e.JWT_PRIVATE_KEY) ?? null,
      jwtPreviousPublicKeysPem: splitPems(unescapeNewlines(e.JWT_PREVIOUS_PUBLIC_KEYS)),
      appSecret: e.APP_SECRET ?? null,
    },
    bootstrapAdmin:
      e.BOOTSTRAP_ADMIN_EMAIL && e.BOOTSTRAP_ADMIN_PASSWORD
        ? { email: e.BOOTSTRAP_ADMIN_EMAIL, password: e.BOOTSTRAP_ADMIN_PASSWORD }
        : null,
    alertWebhookUrl: e.ALERT_WEBHOOK_URL ?? null,
    smsHourlyBudget: e.SMS_HOURLY_BUDGET ?? 1000,
    webauthn: {
      rpId: e.WEBAUTHN_RP_ID ?? 'localhost',
      rpName: e.WEBAUTHN_RP_NAME ?? e.APP_NAME ?? 'Sesame',
      origins: origins.length > 0 ? origins : [`http://localhost:${port}`],
    },
    metrics: e.METRICS_TOKEN
      ? { mode: 'token', token: e.METRICS_TOKEN }
      : production
        ? { mode: 'off' }
        : { mode: 'open' },
    loginRequiresVerifiedEmail: e.LOGIN_REQUIRES_VERIFIED_EMAIL === 'true',
    email: {
      provider: emailProvider ?? 'smtp',
      smtpUrl: e.SMTP_URL ?? null,
      from: e.MAIL_FROM ?? `${e.APP_NAME ?? 'Sesame'} <no-reply@localhost>`,
      linkBaseUrl: (e.EMAIL_LINK_BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    },
  };
}

/** https, or plain http to this machine only (a local relay or test double: nothing crosses a network). */
function isHttpsOrLoopback(value: string): boolean {
  const url = new URL(value);
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i.test(url.hostname);
}

function requireSecret(problems: string[], name: string, value: string | undefined): void {
  if (!value) problems.push(`${name}: required in production`);
  else if (PLACEHOLDER.test(value.trim())) problems.push(`${name}: still a placeholder value`);
}

/** PEM in a one-line variable (docker-compose, .env files) arrives with literal `\n`. */
function unescapeNewlines(value: string | undefined): string | undefined {
  return value?.replace(/\\n/g, '\n');
}

/** Several PEM blocks in one variable, one after another. */
function splitPems(value: string | undefined): string[] {
  return (value ?? '').match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `TRUST_PROXY`: unset/false → 0 hops; true → 1 hop; a number → that many load balancers in front. */
function parseTrustProxy(value: string | undefined, problems: string[]): number {
  if (value === undefined || /^(false|0|no)$/i.test(value)) return 0;
  if (/^(true|yes)$/i.test(value)) return 1;
  if (/^[1-9]$/.test(value)) return Number(value);
  problems.push('TRUST_PROXY: true, false or a number of proxy hops (1-9)');
  return 0;
}

function parseSize(value: string): number {
  const m = /^(\d+)(kb|mb)?$/i.exec(value);
  if (!m) return 64 * 1024;
  const unit = (m[2] ?? '').toLowerCase();
  return Number(m[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1);
}
