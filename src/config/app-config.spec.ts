import { ConfigError, loadConfig } from './app-config.js';

describe('loadConfig', () => {
  it('needs nothing but NODE_ENV=development in development', () => {
    const config = loadConfig({ NODE_ENV: 'development' });
    expect(config).toMatchObject({ env: 'development', http: { port: 3000 }, databaseUrl: null, sms: { provider: 'console' } });
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', SMS_PROVIDER: 'carrier-pigeon' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PORT/);
      expect(problems).toMatch(/DATABASE_URL/);
      expect(problems).toMatch(/SMS_PROVIDER/);
    }
  });

  it('refuses production without secrets, with placeholders, or with the console sender', () => {
    const attempt = (env: Record<string, string>) => {
      try {
        loadConfig({ NODE_ENV: 'production', ...env });
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    const missing = attempt({ SMS_PROVIDER: 'console' });
    expect(missing.join('\n')).toMatch(/JWT_PRIVATE_KEY: required/);
    expect(missing.join('\n')).toMatch(/APP_SECRET: required/);
    expect(missing.join('\n')).toMatch(/console sender/);
    expect(missing.join('\n')).toMatch(/DATABASE_URL/);
    const placeholder = attempt({ APP_SECRET: 'changeme', VONAGE_API_SECRET: 'secret' });
    expect(placeholder.join('\n')).toMatch(/APP_SECRET: still a placeholder/);
    expect(placeholder.join('\n')).toMatch(/VONAGE_API_SECRET: still a placeholder/);
  });

  it('reads TRUST_PROXY as a number of hops', () => {
    const withProxy = (value?: string) => loadConfig({ NODE_ENV: 'test', ...(value ? { TRUST_PROXY: value } : {}) });
    expect(withProxy().http.trustProxyHops).toBe(0);
    expect(withProxy('true').http.trustProxyHops).toBe(1);
    expect(withProxy('2').http.trustProxyHops).toBe(2);
    expect(() => withProxy('everyone')).toThrow(ConfigError);
  });
});

describe('key configuration', () => {
  it('accepts PEM keys written on one line with \\n escapes', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const oneLine = (pem: string) => pem.trim().replace(/\n/g, '\\n');
    const config = loadConfig({
      NODE_ENV: 'test',
      JWT_PRIVATE_KEY: oneLine(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      JWT_PREVIOUS_PUBLIC_KEYS: oneLine(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    });
    expect(config.tokens.jwtPrivateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(config.tokens.jwtPreviousPublicKeysPem).toHaveLength(1);
    const { resolveKeys } = await import('./keys.js');
    const keys = await resolveKeys({ ...config, env: 'test' });
    expect(keys.signing.alg).toBe('EdDSA');
    expect(keys.previous[0].kid).toEqual(expect.any(String));
  });
});

/** Everything production requires, so each test below changes one thing. */
const production = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://sesame@db.internal:5432/sesame',
  APP_SECRET: 'k3P9vQ2xL7mN4rT8wY1zB6cF0hJ5sD2gA9eU3iO7',
  JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nMC4CAQAwBQYDK2VwBCIEIA\\n-----END PRIVATE KEY-----',
  SMS_PROVIDER: 'vonage',
  VONAGE_API_KEY: 'a1b2c3d4',
  VONAGE_API_SECRET: 'Zx81kLm02pQr',
  VONAGE_FROM: 'Sesame',
  SMTP_URL: 'smtps://sesame:mail-pass-7Q2@smtp.internal:465',
  MAIL_FROM: 'Sesame <no-reply@example.com>',
};
const vonage = {
  SMS_PROVIDER: 'vonage',
  VONAGE_API_KEY: 'key',
  VONAGE_API_SECRET: 'api-secret',
  VONAGE_FROM: 'Sesame',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe('the console SMS sender and GET /dev/sms', () => {
  it('are what an explicit NODE_ENV=development gets', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).sms).toMatchObject({ provider: 'console', devOutbox: true });
  });

  it('drop codes in tests without serving an outbox', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).sms).toMatchObject({ provider: 'console', devOutbox: false });
    expect(loadConfig({ NODE_ENV: 'test', SMS_PROVIDER: 'console' }).sms.devOutbox).toBe(false);
  });

  it('are never chosen when NODE_ENV is not set', () => {
    expect(problemsOf({})).toEqual([
      expect.stringMatching(/^SMS_PROVIDER: required when NODE_ENV is not set.*NODE_ENV=development/),
    ]);
    expect(problemsOf({ SMS_PROVIDER: 'console' })).toEqual([
      expect.stringMatching(/^SMS_PROVIDER: the console sender .*needs NODE_ENV=development/),
    ]);
    expect(loadConfig(vonage).sms).toMatchObject({ provider: 'vonage', devOutbox: false });
  });

  it('are refused in production, by name', () => {
    expect(problemsOf({ ...production, SMS_PROVIDER: 'console' })).toEqual([
      'SMS_PROVIDER: the console sender prints codes and is refused in production',
    ]);
    expect(loadConfig(production).sms).toMatchObject({ provider: 'vonage', devOutbox: false });
  });
});

describe('production transport', () => {
  it('refuses plain http for the SMS API and the alert webhook', () => {
    const problems = problemsOf({
      ...production,
      VONAGE_REST_HOST: 'http://rest.nexmo.com',
      ALERT_WEBHOOK_URL: 'http://hooks.example.com/sesame',
    });
    expect(problems).toEqual([
      'VONAGE_REST_HOST: must be an https:// URL in production',
      'ALERT_WEBHOOK_URL: must be an https:// URL in production',
    ]);
  });

  it('accepts https, and http only to this machine', () => {
    const config = loadConfig({
      ...production,
      VONAGE_REST_HOST: 'https://rest.nexmo.com',
      ALERT_WEBHOOK_URL: 'https://hooks.example.com/sesame',
    });
    expect(config.sms.vonage.restHost).toBe('https://rest.nexmo.com');
    expect(config.alerts.webhookUrl).toBe('https://hooks.example.com/sesame');
    for (const url of ['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080']) {
      expect(problemsOf({ ...production, VONAGE_REST_HOST: url, ALERT_WEBHOOK_URL: url })).toEqual([]);
    }
    expect(problemsOf({ ...production, ALERT_WEBHOOK_URL: 'http://127.0.0.1.example.com/' })).toHaveLength(1);
  });

  it('leaves development and tests free to use http', () => {
    const env = { VONAGE_REST_HOST: 'http://vonage.test:8080', ALERT_WEBHOOK_URL: 'http://hooks.test/x' };
    expect(problemsOf({ NODE_ENV: 'development', ...env })).toEqual([]);
    expect(problemsOf({ NODE_ENV: 'test', ...vonage, ...env })).toEqual([]);
  });
});

describe('metrics access', () => {
  const token = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';

  it('needs METRICS_TOKEN in production, and is off without one', () => {
    expect(loadConfig(production).metrics).toEqual({ mode: 'off' });
    expect(loadConfig({ ...production, METRICS_TOKEN: token }).metrics).toEqual({ mode: 'token', token });
  });

  it('is open in development and tests unless a token is set', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).metrics).toEqual({ mode: 'open' });
    expect(loadConfig({ NODE_ENV: 'test' }).metrics).toEqual({ mode: 'open' });
    expect(loadConfig({ NODE_ENV: 'test', METRICS_TOKEN: token }).metrics).toEqual({ mode: 'token', token });
  });

  it('refuses a short token or one that cannot be sent as a bearer token', () => {
    expect(problemsOf({ ...production, METRICS_TOKEN: 'short' })).toEqual([
      expect.stringMatching(/^METRICS_TOKEN: at least 32/),
    ]);
    expect(problemsOf({ ...production, METRICS_TOKEN: `${token} ${token}` })).toEqual([
      expect.stringMatching(/^METRICS_TOKEN: letters, digits/),
    ]);
  });
});

describe('SMS providers, routes and prices', () => {
  const sns = { AWS_SNS_REGION: 'eu-west-1', AWS_SNS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SNS_SECRET_ACCESS_KEY: 'sns-secret-key-value' };

  it('orders the providers SMS_PROVIDER first, then SMS_FAILOVER_PROVIDERS, with per-country routes and prices', () => {
    const sms = loadConfig({ ...vonage, ...sns, SMS_FAILOVER_PROVIDERS: 'sns', SMS_ROUTES: 'US:sns>vonage,CA:sns', SMS_PRICES: 'GB:0.035,*:0.05' }).sms;
    expect(sms.providers).toEqual(['vonage', 'sns']);
    expect(sms.routes).toEqual({ US: ['sns', 'vonage'], CA: ['sns'] });
    expect(sms.prices).toEqual({ GB: 0.035, '*': 0.05 });
    expect(loadConfig({ NODE_ENV: 'test' }).sms.providers).toEqual([]);
  });

  it('names every problem: missing credentials, unknown or repeated providers, routes to providers not configured, malformed prices', () => {
    expect(problemsOf({ ...vonage, SMS_FAILOVER_PROVIDERS: 'sns,vonage,twilio', SMS_ROUTES: 'US:twilio,gb:sns', SMS_PRICES: 'GB:cheap' })).toEqual([
      'SMS_FAILOVER_PROVIDERS: "vonage" is listed twice (or is SMS_PROVIDER)',
      'SMS_FAILOVER_PROVIDERS: "twilio" is not one of vonage, sns',
      'SMS_ROUTES: US names twilio, which is not a configured SMS provider',
      'SMS_ROUTES: "gb:sns" is not COUNTRY:provider>provider',
      'SMS_PRICES: "GB:cheap" is not COUNTRY:price',
      'AWS_SNS_REGION: required when sns is an SMS provider',
      'AWS_SNS_ACCESS_KEY_ID: required when sns is an SMS provider',
      'AWS_SNS_SECRET_ACCESS_KEY: required when sns is an SMS provider',
    ]);
    expect(problemsOf({ NODE_ENV: 'test', SMS_FAILOVER_PROVIDERS: 'sns' })).toEqual(['SMS_FAILOVER_PROVIDERS: needs a real SMS_PROVIDER (not the console sender)']);
  });

  it('refuses a plain-http SNS endpoint in production', () => {
    expect(problemsOf({ ...production, ...sns, SMS_FAILOVER_PROVIDERS: 'sns', AWS_SNS_ENDPOINT: 'http://sns.example.com' })).toContain(
      'AWS_SNS_ENDPOINT: must be an https:// URL in production',
    );
  });
});
