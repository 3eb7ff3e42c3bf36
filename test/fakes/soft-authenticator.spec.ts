import { createPublicKey } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { isoCBOR, parseAuthenticatorData } from '@simplewebauthn/server/helpers';
import { encodeCBOR as encodeCbor, type CBORType as CborValue } from '@levischuck/tiny-cbor';
import { SoftAuthenticator, type SoftAuthenticatorOptions } from './soft-authenticator.js';

const RP_ID = 'sesame.test';
const ORIGIN = 'https://sesame.test';
const USER_ID = new TextEncoder().encode('user-0001');

function registrationOptions(): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: 'Sesame',
    rpID: RP_ID,
    userName: 'alice@example.com',
    userID: USER_ID,
    attestationType: 'none',
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  });
}

/** What the relying party checks every ceremony against: its challenge, origin and RP ID. */
function expecting<T extends object>(
  challenge: string,
  rest: T,
): T & { expectedChallenge: string; expectedOrigin: string; expectedRPID: string } {
  return { ...rest, expectedChallenge: challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID };
}

/** Registers a fresh authenticator and returns the credential as the server would store it. */
async function registered(
  opts: SoftAuthenticatorOptions = {},
): Promise<{ authenticator: SoftAuthenticator; credential: WebAuthnCredential }> {
  const authenticator = new SoftAuthenticator(opts);
  const options = await registrationOptions();
  const result = await verifyRegistrationResponse({
    response: authenticator.createCredential(options),
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
  });
  if (!result.verified) throw new Error('registration did not verify');
  return { authenticator, credential: result.registrationInfo.credential };
}

describe('encodeCbor', () => {
  // Vectors from RFC 8949 Appendix A.
  it.each<[CborValue, string]>([
    [0, '00'],
    [23, '17'],
    [24, '1818'],
    [100, '1864'],
    [1000, '1903e8'],
    [1000000, '1a000f4240'],
    [1000000000000, '1b000000e8d4a51000'],
    [-1, '20'],
    [-10, '29'],
    [-100, '3863'],
    [-1000, '3903e7'],
    ['', '60'],
    ['a', '6161'],
    ['\u00fc', '62c3bc'],
    [Uint8Array.of(1, 2, 3, 4), '4401020304'],
    [[1, [2, 3], [4, 5]], '8301820203820405'],
    [new Map(), 'a0'],
    [new Map([[1, 2], [3, 4]]), 'a201020304'],
    [new Map<string, CborValue>([['a', 1], ['b', [2, 3]]]), 'a26161016162820203'],
    [true, 'f5'],
  ])('encodes %p as %s', (value, hex) => {
    expect(Buffer.from(encodeCbor(value)).toString('hex')).toBe(hex);
  });
});

describe('SoftAuthenticator', () => {
  describe('registration response', () => {
    it('has the toJSON() shape with a none attestation object and matching authData', async () => {
      const authenticator = new SoftAuthenticator();
      const options = await registrationOptions();
      const response = authenticator.createCredential(options);

      expect(response).toMatchObject({
        id: authenticator.credentialId,
        rawId: authenticator.credentialId,
        type: 'public-key',
        authenticatorAttachment: 'platform',
        clientExtensionResults: {},
        response: { publicKeyAlgorithm: -7, transports: ['internal'] },
      });
      expect(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')).toBe(
        JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin: ORIGIN, crossOrigin: false }),
      );

      const attestation = isoCBOR.decodeFirst<Map<string, unknown>>(
        Buffer.from(response.response.attestationObject, 'base64url'),
      );
      expect([...attestation.keys()]).toEqual(['fmt', 'attStmt', 'authData']);
      expect(attestation.get('fmt')).toBe('none');
      expect((attestation.get('attStmt') as Map<unknown, unknown>).size).toBe(0);
      const authData = attestation.get('authData') as Uint8Array<ArrayBuffer>;
      expect(Buffer.from(authData).toString('base64url')).toBe(response.response.authenticatorData);

      const parsed = parseAuthenticatorData(authData);
      expect(parsed.flags).toMatchObject({ up: true, uv: true, be: false, bs: false, at: true, ed: false });
      expect(parsed.counter).toBe(0);
      expect(Buffer.from(parsed.aaguid!)).toEqual(Buffer.alloc(16));
      expect(Buffer.from(parsed.credentialID!).toString('base64url')).toBe(authenticator.credentialId);
      expect(Buffer.from(parsed.credentialPublicKey!)).toEqual(Buffer.from(authenticator.cosePublicKey));

      // The SPKI form from getPublicKey() and the COSE_Key in authData are the same key.
      const spki = createPublicKey({
        key: Buffer.from(response.response.publicKey!, 'base64url'),
        format: 'der',
        type: 'spki',
      });
      const cose = isoCBOR.decodeFirst<Map<number, unknown>>(authenticator.cosePublicKey);
      expect(cose.get(1)).toBe(2);
      expect(cose.get(3)).toBe(-7);
      expect(cose.get(-1)).toBe(1);
      const jwk = spki.export({ format: 'jwk' });
      expect(Buffer.from(cose.get(-2) as Uint8Array).toString('base64url')).toBe(jwk.x);
      expect(Buffer.from(cose.get(-3) as Uint8Array).toString('base64url')).toBe(jwk.y);
    });

    it('verifies with @simplewebauthn/server', async () => {
      const authenticator = new SoftAuthenticator();
      const options = await registrationOptions();
      const response = authenticator.createCredential(options);

      const result = await verifyRegistrationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
      });

      expect(result.verified).toBe(true);
      expect(result.registrationInfo).toMatchObject({
        fmt: 'none',
        aaguid: '00000000-0000-0000-0000-000000000000',
        credentialType: 'public-key',
        userVerified: true,
        credentialDeviceType: 'singleDevice',
        credentialBackedUp: false,
        origin: ORIGIN,
        rpID: RP_ID,
      });
      const credential = result.registrationInfo!.credential;
      expect(credential.id).toBe(authenticator.credentialId);
      expect(Buffer.from(credential.publicKey)).toEqual(Buffer.from(authenticator.cosePublicKey));
      expect(credential.counter).toBe(0);
      expect(credential.transports).toEqual(['internal']);
    });

    it('reports a backed-up, backup-eligible credential as multiDevice', async () => {
      const authenticator = new SoftAuthenticator({ backupEligible: true, backedUp: true });
      const options = await registrationOptions();

      const result = await verifyRegistrationResponse({
        response: authenticator.createCredential(options),
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
      });

      expect(result.registrationInfo).toMatchObject({ credentialDeviceType: 'multiDevice', credentialBackedUp: true });
    });

    it('is rejected for another origin', async () => {
      const options = await registrationOptions();
      const response = new SoftAuthenticator().createCredential(options, { origin: 'https://evil.test' });

      await expect(verifyRegistrationResponse(expecting(options.challenge, { response }))).rejects.toThrow(/origin/);
    });

    it('is rejected when scoped to another RP ID', async () => {
      const options = await registrationOptions();
      const response = new SoftAuthenticator().createCredential(options, { rpId: 'evil.test' });

      await expect(verifyRegistrationResponse(expecting(options.challenge, { response }))).rejects.toThrow(/RP ID/);
    });

    it('is rejected for a challenge the server did not issue', async () => {
      const options = await registrationOptions();
      const response = new SoftAuthenticator().createCredential(options, { challenge: 'c29tZXRoaW5nLWVsc2U' });

      await expect(verifyRegistrationResponse(expecting(options.challenge, { response }))).rejects.toThrow(/challenge/);
    });

    it('is rejected without user verification unless the server waives it', async () => {
      const options = await registrationOptions();
      const response = new SoftAuthenticator({ userVerified: false }).createCredential(options);
      const base = expecting(options.challenge, { response });

      await expect(verifyRegistrationResponse(base)).rejects.toThrow(/verification/);
      await expect(verifyRegistrationResponse({ ...base, requireUserVerification: false })).resolves.toMatchObject({
        verified: true,
        registrationInfo: { userVerified: false },
      });
    });

    it('refuses options that offer no ES256', async () => {
      const options = await registrationOptions();

      expect(() =>
        new SoftAuthenticator().createCredential({ ...options, pubKeyCredParams: [{ type: 'public-key', alg: -257 }] }),
      ).toThrow(expect.objectContaining({ name: 'NotSupportedError' }));
    });
  });

  describe('authentication response', () => {
    it('has the toJSON() shape and carries the user handle from registration', async () => {
      const { authenticator } = await registered();
      const options = await generateAuthenticationOptions({ rpID: RP_ID });

      const response = authenticator.getAssertion(options);

      expect(response).toMatchObject({
        id: authenticator.credentialId,
        rawId: authenticator.credentialId,
        type: 'public-key',
        authenticatorAttachment: 'platform',
        clientExtensionResults: {},
        response: { userHandle: Buffer.from(USER_ID).toString('base64url') },
      });
      expect(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')).toBe(
        JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: ORIGIN, crossOrigin: false }),
      );
      const parsed = parseAuthenticatorData(Buffer.from(response.response.authenticatorData, 'base64url'));
      expect(parsed.flags).toMatchObject({ up: true, uv: true, at: false, ed: false });
      expect(parsed.counter).toBe(1);
    });

    it('verifies with @simplewebauthn/server and the counter rises each time', async () => {
      const { authenticator, credential } = await registered();
      let stored = credential;

      for (const expected of [1, 2]) {
        const options = await generateAuthenticationOptions({
          rpID: RP_ID,
          allowCredentials: [{ id: stored.id, transports: stored.transports }],
        });
        const result = await verifyAuthenticationResponse({
          response: authenticator.getAssertion(options),
          expectedChallenge: options.challenge,
          expectedOrigin: ORIGIN,
          expectedRPID: RP_ID,
          credential: stored,
        });

        expect(result.verified).toBe(true);
        expect(result.authenticationInfo).toMatchObject({
          credentialID: authenticator.credentialId,
          newCounter: expected,
          userVerified: true,
          credentialDeviceType: 'singleDevice',
          credentialBackedUp: false,
          origin: ORIGIN,
          rpID: RP_ID,
        });
        stored = { ...stored, counter: result.authenticationInfo.newCounter };
      }
    });

    it('reports multiDevice for a synced passkey', async () => {
      const { authenticator, credential } = await registered({ backupEligible: true, backedUp: true });
      const options = await generateAuthenticationOptions({ rpID: RP_ID });

      const result = await verifyAuthenticationResponse({
        response: authenticator.getAssertion(options),
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        credential,
      });

      expect(result.verified).toBe(true);
      expect(result.authenticationInfo).toMatchObject({
        credentialDeviceType: 'multiDevice',
        credentialBackedUp: true,
      });
    });

    it('is rejected for another origin', async () => {
      const { authenticator, credential } = await registered();
      const options = await generateAuthenticationOptions({ rpID: RP_ID });
      const response = authenticator.getAssertion(options, { origin: 'https://evil.test' });

      await expect(
        verifyAuthenticationResponse(expecting(options.challenge, { response, credential })),
      ).rejects.toThrow(/origin/);
    });

    it('is rejected when authData names another RP ID', async () => {
      const { authenticator, credential } = await registered();
      const options = await generateAuthenticationOptions({ rpID: RP_ID });
      const response = authenticator.getAssertion(options, { rpId: 'evil.test' });

      await expect(
        verifyAuthenticationResponse(expecting(options.challenge, { response, credential })),
      ).rejects.toThrow(/RP ID/);
    });

    it('is rejected for a challenge other than the one issued', async () => {
      const { authenticator, credential } = await registered();
      const options = await generateAuthenticationOptions({ rpID: RP_ID });
      const stale = await generateAuthenticationOptions({ rpID: RP_ID });
      const response = authenticator.getAssertion(options, { challenge: stale.challenge });

      await expect(
        verifyAuthenticationResponse(expecting(options.challenge, { response, credential })),
      ).rejects.toThrow(/challenge/);
    });

    it('is rejected when the counter goes backwards (WebAuthn §6.1.1, cloned authenticator)', async () => {
      const { authenticator, credential } = await registered();
      const stored = { ...credential, counter: 5 };
      const options = await generateAuthenticationOptions({ rpID: RP_ID });
      const response = authenticator.getAssertion(options, { signCount: 3 });

      await expect(
        verifyAuthenticationResponse(expecting(options.challenge, { response, credential: stored })),
      ).rejects.toThrow(/counter/);
      expect(authenticator.signCount).toBe(0);
    });

    it('is rejected when signCount is wound back by hand', async () => {
      const { authenticator, credential } = await registered();
      authenticator.signCount = 2;
      const options = await generateAuthenticationOptions({ rpID: RP_ID });
      const response = authenticator.getAssertion(options);

      await expect(
        verifyAuthenticationResponse({
          response,
          expectedChallenge: options.challenge,
          expectedOrigin: ORIGIN,
          expectedRPID: RP_ID,
          credential: { ...credential, counter: 5 },
        }),
      ).rejects.toThrow(/counter/);
    });

    it('does not verify when signed by a different key than the stored one', async () => {
      const { credential } = await registered();
      const impostor = new SoftAuthenticator();
      const options = await generateAuthenticationOptions({ rpID: RP_ID });
      const forged = impostor.getAssertion(options);

      const result = await verifyAuthenticationResponse({
        response: { ...forged, id: credential.id, rawId: credential.id },
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        credential,
      });

      expect(result.verified).toBe(false);
    });
  });
});
