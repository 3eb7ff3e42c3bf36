import { z } from 'zod';

/**
 * Typed configuration, read from the environment once at boot. Every problem
 * is reported at once (not the first one only) and the process stops; nothing
 * else in the code reads `process.env`.
 */
export type RuntimeEnv = 'development' | 'test' | 'production';

/**
 * The whole configuration, validated at once. Process-wide values sit at the
 * top; each feature reads its own section, injected on its own (config.tokens.ts).
 */
export interface AppConfig {
  env: RuntimeEnv;
  /** Shown to users: in every SMS, as the TOTP issuer, in alerts. */
  appName: string;
  databaseUrl: string | null;
  /** Pooled Postgres connections per process. */
  databasePoolSize: number;
  /** HTTP worker processes (node:cluster); 1 runs the server in this process. */
  webConcurrency: number;
  redisUrl: string | null;
  dataDir: string;
  logLevel: string;
  bootstrapAdmin: { email: string; password: string } | null;
  http: HttpConfig;
  tokens: TokensConfig;
  sms: SmsConfig;
  webauthn: WebauthnConfig;
  alerts: AlertsConfig;
  metrics: MetricsAccess;
  email: EmailConfig;
  /** Whether a password login needs a verified email address (false: unverified users sign in, as before verification existed). */
  loginRequiresVerifiedEmail: boolean;
}

export interface HttpConfig {
  port: number;
  trustProxyHops: number;
  corsOrigins: string[];
  bodyLimitBytes: number;
}

export interface TokensConfig {
  /** PEM (PKCS#8) Ed25519 or P-256 private key; null → generated into the data directory (not in production). */
  jwtPrivateKeyPem: string | null;
  /**
   * Public keys (PEM) of earlier signing keys, still published and accepted
   * until the tokens they signed have expired: rotation by `kid`.
   */
  jwtPreviousPublicKeysPem: string[];
  /** Root secret from which the HMAC and encryption keys are derived; null → generated (not in production). */
  appSecret: string | null;
}

export interface SmsConfig {
  /** The primary provider; `providers` lists it first, then the failover ones. */
  provider: 'console' | SmsProviderName;
  /** Serve GET /dev/sms (the console sender's recent messages): only with NODE_ENV=development set explicitly. */
  devOutbox: boolean;
  webOtpDomain: string;
  /** Providers in the default order of trial (SMS_PROVIDER, then SMS_FAILOVER_PROVIDERS); empty for the console sender. */
  providers: SmsProviderName[];
  /** Per destination country (ISO 3166 alpha-2), the providers to try in order, overriding `providers`. */
  routes: Record<string, SmsProviderName[]>;
  sns: { region: string; accessKeyId: string; secretAccessKey: string; endpoint: string | null; senderId: string | null };
  breaker: { consecutiveFailures: number; openSeconds: number };
  /** A Vonage message with no receipt after this long is failed over (0: never). */
  receiptTimeoutSeconds: number;
  /** Codes per hour to new numbers (enrolment), counted apart from `hourlyBudget` (verified numbers). */
  enrolmentHourlyBudget: number;
  /** Codes per hour to one phone number, whoever asks. */
  perNumberHourlyCap: number;
  /** Conversion per number prefix and the automatic block of a prefix being pumped. */
  prefix: { digits: number; hourlyQuota: number; minVolume: number; minConversion: number };
  /** Price of one SMS per destination country (`*` for the rest), in one currency, for the spend metric and budget. */
  prices: Record<string, number>;
  /** Spend per hour, in the prices' currency, past which no code is sent (null: no spend budget). */
  hourlySpendBudget: number | null;
  /** Codes sent per hour across all users before SMS stops (toll-fraud circuit breaker). */
  hourlyBudget: number;
  vonage: { apiKey: string; apiSecret: string; from: string; restHost: string; signatureSecret: string | null };
}

export interface WebauthnConfig {
  rpId: string;
  rpName: string;
  origins: string[];
}

export interface AlertsConfig {
  /** Receives alerts (SMS budget exhausted…) as JSON POSTs; null → alerts go to the log only. */
  webhookUrl: string | null;
}

export interface EmailConfig {
  /** `smtp` (SMTP_URL) or `console` (prints mail; development and tests only, like the console SMS sender). */
  provider: 'smtp' | 'console' | 'none';
  smtpUrl: string | null;
  /** The From header of every message. */
  from: string;
  /** Where the links in emails point: `<base>/reset-password#token=…`, `<base>/verify-email#token=…`. */
  linkBaseUrl: string;
}

/**
 * Who may scrape GET /metrics (it shows SMS volume per country): holders of
 * METRICS_TOKEN when one is set; anyone in development and tests without one;
 * nobody in production without one.
 */
export type MetricsAccess = { mode: 'token'; token: string } | { mode: 'open' } | { mode: 'off' };

export const SMS_PROVIDER_NAMES = ['vonage', 'sns'] as const;
export type SmsProviderName = (typeof SMS_PROVIDER_NAMES)[number];

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
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
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
  SMS_PROVIDER: z.enum(['console', ...SMS_PROVIDER_NAMES]).optional(),
  SMS_FAILOVER_PROVIDERS: optionalString,
  SMS_ROUTES: optionalString,
  AWS_SNS_REGION: optionalString,
  AWS_SNS_ACCESS_KEY_ID: optionalString,
  AWS_SNS_SECRET_ACCESS_KEY: optionalString,
  AWS_SNS_ENDPOINT: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  AWS_SNS_SENDER_ID: optionalString.pipe(z.string().regex(/^[A-Za-z0-9]{1,11}$/, '1 to 11 letters or digits').optional()),
  SMS_BREAKER_FAILURES: z.coerce.number().int().min(1).max(1000).optional(),
  SMS_BREAKER_OPEN_SECONDS: z.coerce.number().int().min(1).max(3600).optional(),
  SMS_RECEIPT_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(600).optional(),
  SMS_ENROLMENT_HOURLY_BUDGET: z.coerce.number().int().min(1).max(10_000_000).optional(),
  SMS_PER_NUMBER_HOURLY_CAP: z.coerce.number().int().min(1).max(1000).optional(),
  SMS_PRICES: optionalString,
  SMS_HOURLY_SPEND_BUDGET: z.coerce.number().positive().max(1_000_000).optional(),
  SMS_PREFIX_DIGITS: z.coerce.number().int().min(4).max(10).optional(),
  SMS_PREFIX_HOURLY_QUOTA: z.coerce.number().int().min(1).max(10_000_000).optional(),
  SMS_PREFIX_MIN_VOLUME: z.coerce.number().int().min(5).max(1_000_000).optional(),
  SMS_PREFIX_MIN_CONVERSION: z.coerce.number().min(0).max(1).optional(),
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
  const smsProviders = smsProviderList(smsProvider, e.SMS_FAILOVER_PROVIDERS, problems);
  const smsRoutes = parseSmsRoutes(e.SMS_ROUTES, smsProviders, problems);
  const smsPrices = parseSmsPrices(e.SMS_PRICES, problems);
  if (smsProviders.includes('vonage') && smsProvider !== 'vonage') {
    for (const name of ['VONAGE_API_KEY', 'VONAGE_API_SECRET', 'VONAGE_FROM'] as const) {
      if (!e[name]) problems.push(`${name}: required when vonage is an SMS provider`);
    }
  }
  if (smsProviders.includes('sns')) {
    for (const name of ['AWS_SNS_REGION', 'AWS_SNS_ACCESS_KEY_ID', 'AWS_SNS_SECRET_ACCESS_KEY'] as const) {
      if (!e[name]) problems.push(`${name}: required when sns is an SMS provider`);
    }
    if (production) requireSecret(problems, 'AWS_SNS_SECRET_ACCESS_KEY', e.AWS_SNS_SECRET_ACCESS_KEY);
    if (production && e.AWS_SNS_ENDPOINT && !isHttpsOrLoopback(e.AWS_SNS_ENDPOINT)) problems.push('AWS_SNS_ENDPOINT: must be an https:// URL in production');
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
  // Mail carries reset links and codes: the console only when NODE_ENV says development or test. Without SMTP_URL
  // elsewhere (production included) there is no transport: the server starts, says so at boot, and every message
  // is recorded as failed (`not_configured`), so a deployment from before the email channel keeps running.
  const emailProvider = e.SMTP_URL ? 'smtp' : consoleAllowed ? 'console' : 'none';
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
    appName: e.APP_NAME ?? 'Sesame',
    databaseUrl: e.DATABASE_URL ?? null,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    // One process unless told otherwise (README: Decisions): on a machine that also runs Postgres, more
    // workers measured slower, and without REDIS_URL each would keep its own rate limits. Development
    // also needs one: the console SMS sender's /dev/sms list lives in that process's memory.
    webConcurrency: e.WEB_CONCURRENCY ?? 1,
    redisUrl: e.REDIS_URL ?? null,
    dataDir: e.DATA_DIR ?? '.data',
    logLevel: e.LOG_LEVEL ?? (runtimeEnv === 'test' ? 'silent' : 'info'),
    bootstrapAdmin:
      e.BOOTSTRAP_ADMIN_EMAIL && e.BOOTSTRAP_ADMIN_PASSWORD
        ? { email: e.BOOTSTRAP_ADMIN_EMAIL, password: e.BOOTSTRAP_ADMIN_PASSWORD }
        : null,
    http: {
      port,
      trustProxyHops,
      corsOrigins,
      bodyLimitBytes: parseSize(e.BODY_LIMIT ?? '64kb'),
    },
    tokens: {
      jwtPrivateKeyPem: unescapeNewlines(e.JWT_PRIVATE_KEY) ?? null,
      jwtPreviousPublicKeysPem: splitPems(unescapeNewlines(e.JWT_PREVIOUS_PUBLIC_KEYS)),
      appSecret: e.APP_SECRET ?? null,
    },
    sms: {
      provider: smsProvider ?? 'vonage',
      devOutbox: smsProvider === 'console' && e.NODE_ENV === 'development',
      webOtpDomain: e.WEBOTP_DOMAIN ?? 'localhost',
      hourlyBudget: e.SMS_HOURLY_BUDGET ?? 1000,
      vonage: {
        apiKey: e.VONAGE_API_KEY ?? '',
        apiSecret: e.VONAGE_API_SECRET ?? '',
        from: e.VONAGE_FROM ?? '',
        restHost: e.VONAGE_REST_HOST ?? 'https://rest.nexmo.com',
        signatureSecret: e.VONAGE_SIGNATURE_SECRET ?? null,
      },
      providers: smsProviders,
      routes: smsRoutes,
      sns: {
        region: e.AWS_SNS_REGION ?? '',
        accessKeyId: e.AWS_SNS_ACCESS_KEY_ID ?? '',
        secretAccessKey: e.AWS_SNS_SECRET_ACCESS_KEY ?? '',
        endpoint: e.AWS_SNS_ENDPOINT ?? null,
        senderId: e.AWS_SNS_SENDER_ID ?? null,
      },
      breaker: { consecutiveFailures: e.SMS_BREAKER_FAILURES ?? 5, openSeconds: e.SMS_BREAKER_OPEN_SECONDS ?? 30 },
      receiptTimeoutSeconds: e.SMS_RECEIPT_TIMEOUT_SECONDS ?? 60,
      // Unset, each of these is as large as the login budget: counted apart, so an enrolment flood cannot
      // exhaust logins, but no tighter than a deployment that set only SMS_HOURLY_BUDGET asked for.
      enrolmentHourlyBudget: e.SMS_ENROLMENT_HOURLY_BUDGET ?? e.SMS_HOURLY_BUDGET ?? 1000,
      perNumberHourlyCap: e.SMS_PER_NUMBER_HOURLY_CAP ?? 10,
      prefix: {
        digits: e.SMS_PREFIX_DIGITS ?? 6,
        hourlyQuota: e.SMS_PREFIX_HOURLY_QUOTA ?? e.SMS_HOURLY_BUDGET ?? 1000,
        minVolume: e.SMS_PREFIX_MIN_VOLUME ?? 50,
        minConversion: e.SMS_PREFIX_MIN_CONVERSION ?? 0.2,
      },
      prices: smsPrices,
      hourlySpendBudget: e.SMS_HOURLY_SPEND_BUDGET ?? null,
    },
    webauthn: {
      rpId: e.WEBAUTHN_RP_ID ?? 'localhost',
      rpName: e.WEBAUTHN_RP_NAME ?? e.APP_NAME ?? 'Sesame',
      origins: origins.length > 0 ? origins : [`http://localhost:${port}`],
    },
    alerts: { webhookUrl: e.ALERT_WEBHOOK_URL ?? null },
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

/** SMS_PROVIDER first, then SMS_FAILOVER_PROVIDERS (comma-separated, no repeats); none for the console sender. */
function smsProviderList(primary: string | null, failover: string | undefined, problems: string[]): SmsProviderName[] {
  const known = (name: string): name is SmsProviderName => (SMS_PROVIDER_NAMES as readonly string[]).includes(name);
  const extra = splitList(failover);
  if (primary === null || primary === 'console') {
    if (extra.length > 0) problems.push('SMS_FAILOVER_PROVIDERS: needs a real SMS_PROVIDER (not the console sender)');
    return [];
  }
  const list: SmsProviderName[] = known(primary) ? [primary] : [];
  for (const name of extra) {
    if (!known(name)) problems.push(`SMS_FAILOVER_PROVIDERS: "${name}" is not one of ${SMS_PROVIDER_NAMES.join(', ')}`);
    else if (list.includes(name)) problems.push(`SMS_FAILOVER_PROVIDERS: "${name}" is listed twice (or is SMS_PROVIDER)`);
    else list.push(name);
  }
  return list;
}

/** `SMS_ROUTES=US:sns>vonage,CA:sns`: per country, the configured providers to try in that order. */
function parseSmsRoutes(value: string | undefined, providers: SmsProviderName[], problems: string[]): Record<string, SmsProviderName[]> {
  const routes: Record<string, SmsProviderName[]> = {};
  for (const entry of splitList(value)) {
    const m = /^([A-Z]{2}):([a-z]+(?:>[a-z]+)*)$/.exec(entry);
    if (!m) {
      problems.push(`SMS_ROUTES: "${entry}" is not COUNTRY:provider>provider`);
      continue;
    }
    const order = m[2]!.split('>');
    const unknown = order.filter((p) => !(providers as string[]).includes(p));
    if (unknown.length > 0) problems.push(`SMS_ROUTES: ${m[1]} names ${unknown.join(', ')}, which is not a configured SMS provider`);
    else routes[m[1]!] = order as SmsProviderName[];
  }
  return routes;
}

/** `SMS_PRICES=GB:0.035,US:0.0079,*:0.05`: the price of one SMS per destination country. */
function parseSmsPrices(value: string | undefined, problems: string[]): Record<string, number> {
  const prices: Record<string, number> = {};
  for (const entry of splitList(value)) {
    const m = /^([A-Z]{2}|\*):(\d+(?:\.\d+)?)$/.exec(entry);
    if (m) prices[m[1]!] = Number(m[2]);
    else problems.push(`SMS_PRICES: "${entry}" is not COUNTRY:price`);
  }
  return prices;
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
