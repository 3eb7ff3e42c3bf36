import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { registerAndLogin, startTestApp } from '../support/test-app.js';

describe('signing key rotation by kid', () => {
  it('an instance with a new key still accepts tokens of the previous one while it is listed, and publishes both', async () => {
    const old = generateKeyPairSync('ed25519');
    const next = generateKeyPairSync('ed25519');
    const pem = (k: { export(o: object): string | Buffer }, type: string) => k.export({ type, format: 'pem' }).toString();

    const a = await startTestApp({ env: { JWT_PRIVATE_KEY: pem(old.privateKey, 'pkcs8') } });
    const rotated = await startTestApp({
      sharing: a,
      env: { JWT_PRIVATE_KEY: pem(next.privateKey, 'pkcs8'), JWT_PREVIOUS_PUBLIC_KEYS: pem(old.publicKey, 'spki') },
    });
    const retired = await startTestApp({ sharing: a, env: { JWT_PRIVATE_KEY: pem(next.privateKey, 'pkcs8') } });
    try {
      const login = await registerAndLogin(a, 'rotation@example.com');
      const oldKid = decodeProtectedHeader(login.accessToken).kid;

      expect((await rotated.get('/auth/me', login.accessToken)).status).toBe(200);
      const jwks = await rotated.get('/.well-known/jwks.json');
      const kids = jwks.body.keys.map((k: { kid: string }) => k.kid);
      expect(kids).toHaveLength(2);
      expect(kids).toContain(oldKid);

      // New tokens carry the new kid.
      const fresh = await rotated.post('/auth/login', { email: 'rotation@example.com', password: 'correct horse battery' });
      expect(decodeProtectedHeader(fresh.body.accessToken).kid).not.toBe(oldKid);
      expect(kids).toContain(decodeProtectedHeader(fresh.body.accessToken).kid);

      // Once the old key is no longer listed, its tokens are refused.
      expect((await retired.get('/auth/me', login.accessToken)).status).toBe(401);
      expect((await retired.get('/auth/me', fresh.body.accessToken)).status).toBe(200);
    } finally {
      await retired.close();
      await rotated.close();
      await a.close();
    }
  });
});
