import { createPrivateKey, createPublicKey, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import type { AppConfig } from './app-config.js';

export type SigningAlgorithm = 'EdDSA' | 'ES256';

export interface SigningKey {
  alg: SigningAlgorithm;
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
}

/** Every key the process uses, resolved once at boot. */
export type VerificationKey = Omit<SigningKey, 'privateKey'>;

export interface AppKeys {
  signing: SigningKey;
  /** Earlier signing keys: their tokens still verify until they expire (rotation by kid). */
  previous: VerificationKey[];
  /** HMAC-SHA-256 key for one-time codes (security.md: keyed hash, never plaintext). */
  otpHashKey: Buffer;
  /** HMAC-SHA-256 key for refresh tokens and recovery codes. */
  tokenHashKey: Buffer;
  /** AES-256-GCM key for TOTP secrets at rest. */
  encryptionKey: Buffer;
}

/**
 * Production takes keys from configuration (validated in app-config.ts).
 * Development generates them once into the data directory so tokens survive a
 * restart; tests generate fresh ones in memory.
 */
export async function resolveKeys(config: AppConfig): Promise<AppKeys> {
  let pem = config.tokens.jwtPrivateKeyPem;
  let secret = config.tokens.appSecret;
  if (config.env === 'development') {
    const dir = join(config.dataDir, 'keys');
    pem ??= await readOrCreate(join(dir, 'jwt-signing-key.pem'), () => generateSigningPem());
    secret ??= await readOrCreate(join(dir, 'app-secret'), () => randomBytes(48).toString('base64url'));
  }
  pem ??= generateSigningPem();
  secret ??= randomBytes(48).toString('base64url');
  return {
    signing: await signingKeyFromPem(pem),
    previous: await Promise.all(config.tokens.jwtPreviousPublicKeysPem.map(verificationKeyFromPem)),
    ...deriveSecrets(secret),
  };
}

export function deriveSecrets(secret: string): Omit<AppKeys, 'signing' | 'previous'> {
  // HKDF (RFC 5869) gives independent keys per purpose from one root secret,
  // so a leak of one derived key says nothing about the others.
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'sesame', info, 32));
  return {
    otpHashKey: derive('otp-code-hmac'),
    tokenHashKey: derive('token-hmac'),
    encryptionKey: derive('secret-encryption'),
  };
}

export async function signingKeyFromPem(pem: string): Promise<SigningKey> {
  const privateKey = createPrivateKey(pem);
  return { ...(await describePublicKey(createPublicKey(privateKey))), privateKey };
}

export function verificationKeyFromPem(pem: string): Promise<VerificationKey> {
  return describePublicKey(createPublicKey(pem));
}

/** The algorithm follows from the key type, and the kid is the RFC 7638 thumbprint. */
async function describePublicKey(publicKey: KeyObject): Promise<VerificationKey> {
  let alg: SigningAlgorithm;
  if (publicKey.asymmetricKeyType === 'ed25519') alg = 'EdDSA';
  else if (publicKey.asymmetricKeyType === 'ec' && publicKey.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    alg = 'ES256';
  } else {
    throw new Error('JWT keys must be Ed25519 or P-256 keys');
  }
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { alg, kid, publicKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

/**
 * ES256 (P-256) by default: the common resource-server stack (passport-jwt
 * and jwks-rsa over jsonwebtoken) verifies it, and it cannot verify EdDSA.
 * An Ed25519 key given in JWT_PRIVATE_KEY signs EdDSA instead.
 */
function generateSigningPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

async function readOrCreate(path: string, create: () => string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    const value = create();
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, value + '\n', { mode: 0o600, flag: 'wx' });
    return value;
  }
}
