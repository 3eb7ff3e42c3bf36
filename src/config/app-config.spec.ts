import { ConfigError, loadConfig } from './app-config.js';

describe('loadConfig', () => {
  it('works with no environment at all in development', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ env: 'development', port: 3000, databaseUrl: null, sms: { provider: 'console' } });
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
    expect(loadConfig({}).trustProxyHops).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxyHops).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxyHops).toBe(2);
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(ConfigError);
  });
});

describe('key configuration', () => {
  it('accepts PEM keys written on one line with \\n escapes', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const oneLine = (pem: string) => pem.trim().replace(/\n/g, '\\n');
    const config = loadConfig({
      JWT_PRIVATE_KEY: oneLine(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      JWT_PREVIOUS_PUBLIC_KEYS: oneLine(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    });
    expect(config.keys.jwtPrivateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(config.keys.jwtPreviousPublicKeysPem).toHaveLength(1);
    const { resolveKeys } = await import('./keys.js');
    const keys = await resolveKeys({ ...config, env: 'test' });
    expect(keys.signing.alg).toBe('EdDSA');
    expect(keys.previous[0].kid).toEqual(expect.any(String));
  });
});
