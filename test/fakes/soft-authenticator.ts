import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  AuthenticatorAttachment,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
// The CBOR library @simplewebauthn/server decodes with, in its 0.3 line: the 0.2 line that
// isoCBOR pins writes a text string's length in UTF-16 units rather than bytes (RFC 8949 §3.1).
// Maps keep their insertion order, so callers give entries in CTAP2 canonical order.
import { encodeCBOR, type CBORType } from '@levischuck/tiny-cbor';

/** COSE algorithm identifier for ECDSA w/ SHA-256 (RFC 9053 §2.1, IANA COSE Algorithms). */
const COSE_ALG_ES256 = -7;

/** WebAuthn §6.1 authenticator data flag bits. */
const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

export interface SoftAuthenticatorOptions {
  /** Origin the "browser" reports in clientDataJSON; defaults to `https://<rpId>`. */
  origin?: string;
  /** RP ID used when the ceremony options do not name one. */
  rpId?: string;
  /** Sets the UV flag. Defaults to true, as for a platform authenticator with biometrics. */
  userVerified?: boolean;
  /** Sets the BE flag (WebAuthn L3 §6.1.3): the credential may be synced, i.e. a passkey. */
  backupEligible?: boolean;
  /**
   * Sets the BS flag. Not checked against `backupEligible`, so tests can send
   * the BS-without-BE combination that §6.1.3 forbids and see it rejected.
   */
  backedUp?: boolean;
  /** Reported as `authenticatorAttachment`; defaults to 'platform'. */
  attachment?: AuthenticatorAttachment;
  /** Reported as `response.transports`; defaults to ['internal']. */
  transports?: string[];
}

export interface CeremonyOverrides {
  origin?: string;
  rpId?: string;
  challenge?: string;
}

export interface AssertionOverrides extends CeremonyOverrides {
  /** Signature counter to put in authData instead of the next value; the stored count is left alone. */
  signCount?: number;
}

/**
 * A software authenticator plus the browser half of the WebAuthn client, for
 * tests. It holds one ES256 (P-256) credential, attests with the `none`
 * format (WebAuthn §8.7) and returns exactly what
 * `PublicKeyCredential.toJSON()` (WebAuthn L3) and
 * @simplewebauthn/browser hand to a relying party, so server code can be
 * exercised end to end without a browser.
 *
 * Unlike a real client it signs for any request: it ignores
 * `allowCredentials`/`excludeCredentials`, so tests can present a credential
 * the server should refuse and check that it does.
 */
export class SoftAuthenticator {
  readonly credentialId: string;
  /** COSE_Key (RFC 9052 §7, EC2 per RFC 9053 §7.1) as carried in attested credential data. */
  readonly cosePublicKey: Uint8Array<ArrayBuffer>;
  /** Settable so tests can wind it back and imitate a cloned authenticator (WebAuthn §6.1.1). */
  signCount = 0;

  private readonly privateKey: KeyObject;
  private readonly spkiPublicKey: Buffer;
  private readonly rawCredentialId: Buffer;
  private readonly origin: string | undefined;
  private readonly rpId: string | undefined;
  private readonly userVerified: boolean;
  private readonly backupEligible: boolean;
  private readonly backedUp: boolean;
  private readonly attachment: AuthenticatorAttachment;
  private readonly transports: string[];
  private userHandle: string | undefined;

  constructor(opts: SoftAuthenticatorOptions = {}) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    this.spkiPublicKey = publicKey.export({ type: 'spki', format: 'der' });
    this.rawCredentialId = randomBytes(32);
    this.credentialId = this.rawCredentialId.toString('base64url');
    this.cosePublicKey = toCoseKey(publicKey);
    this.origin = opts.origin;
    this.rpId = opts.rpId;
    this.userVerified = opts.userVerified ?? true;
    this.backupEligible = opts.backupEligible ?? false;
    this.backedUp = opts.backedUp ?? false;
    this.attachment = opts.attachment ?? 'platform';
    this.transports = opts.transports ?? ['internal'];
  }

  /** `navigator.credentials.create()` followed by `toJSON()` (WebAuthn §5.1.3, §6.3.2). */
  createCredential(
    options: PublicKeyCredentialCreationOptionsJSON,
    overrides: CeremonyOverrides = {},
  ): RegistrationResponseJSON {
    // §5.1.3: with no ES256 entry among pubKeyCredParams there is nothing
    // this authenticator can make; an empty list means "ES256 or RS256".
    const params = options.pubKeyCredParams ?? [];
    if (params.length > 0 && !params.some((p) => p.type === 'public-key' && p.alg === COSE_ALG_ES256)) {
      throw new DOMException('No supported algorithm in pubKeyCredParams', 'NotSupportedError');
    }

    const rpId = this.resolveRpId(options.rp.id, overrides.rpId);
    const origin = overrides.origin ?? this.resolveOrigin(options.rp.id);
    const clientDataJSON = clientData('webauthn.create', overrides.challenge ?? options.challenge, origin);

    // §6.5.1 attested credential data: AAGUID | L (uint16 BE) | credentialId | COSE_Key.
    // A zero AAGUID is what `none` attestation conveys (§6.5.3 / §8.7).
    const credIdLength = Buffer.alloc(2);
    credIdLength.writeUInt16BE(this.rawCredentialId.length);
    const attestedCredentialData = Buffer.concat([
      Buffer.alloc(16),
      credIdLength,
      this.rawCredentialId,
      this.cosePublicKey,
    ]);
    const authData = this.authenticatorData(rpId, FLAG_AT, this.signCount, attestedCredentialData);

    // §6.5.4 attestation object; keys in CTAP2 canonical order (length, then bytewise).
    const attestationObject = encodeCBOR(
      new Map<string, CBORType>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );

    this.userHandle = options.user.id;

    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      authenticatorAttachment: this.attachment,
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        // WebAuthn L3 §5.2.1.1: getAuthenticatorData(), getPublicKey() and
        // getPublicKeyAlgorithm() results, which toJSON() includes.
        authenticatorData: b64url(authData),
        publicKey: b64url(this.spkiPublicKey),
        publicKeyAlgorithm: COSE_ALG_ES256,
        transports: [...this.transports],
      },
    };
  }

  /** `navigator.credentials.get()` followed by `toJSON()` (WebAuthn §5.1.4, §6.3.3). */
  getAssertion(
    options: PublicKeyCredentialRequestOptionsJSON,
    overrides: AssertionOverrides = {},
  ): AuthenticationResponseJSON {
    const rpId = this.resolveRpId(options.rpId, overrides.rpId);
    const origin = overrides.origin ?? this.resolveOrigin(options.rpId);
    const clientDataJSON = clientData('webauthn.get', overrides.challenge ?? options.challenge, origin);

    const counter = overrides.signCount ?? ++this.signCount;
    const authData = this.authenticatorData(rpId, 0, counter);

    // §6.3.3: the signature covers authData || SHA-256(clientDataJSON).
    // For ES256 it is an ASN.1 DER Ecdsa-Sig-Value (§6.5.5), node's default encoding.
    const clientDataHash = createHash('sha256').update(clientDataJSON).digest();
    const signature = sign('sha256', Buffer.concat([authData, clientDataHash]), this.privateKey);

    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      authenticatorAttachment: this.attachment,
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(this.userHandle === undefined ? {} : { userHandle: this.userHandle }),
      },
    };
  }

  /** §6.1: rpIdHash(32) | flags(1) | signCount(4, BE) | attestedCredentialData? */
  private authenticatorData(rpId: string, extraFlags: number, counter: number, attested?: Buffer): Buffer {
    if (!Number.isInteger(counter) || counter < 0 || counter > 0xffff_ffff) {
      throw new RangeError(`signCount must fit in 32 bits, got ${counter}`);
    }
    let flags = FLAG_UP | extraFlags;
    if (this.userVerified) flags |= FLAG_UV;
    if (this.backupEligible) flags |= FLAG_BE;
    if (this.backedUp) flags |= FLAG_BS;

    const header = Buffer.alloc(37);
    createHash('sha256').update(rpId, 'utf8').digest().copy(header, 0);
    header[32] = flags;
    header.writeUInt32BE(counter, 33);
    return attested ? Buffer.concat([header, attested]) : header;
  }

  private resolveRpId(fromOptions: string | undefined, override: string | undefined): string {
    if (override !== undefined) return override;
    if (fromOptions !== undefined) return fromOptions;
    if (this.rpId !== undefined) return this.rpId;
    // §5.1.3 / §5.1.4.1: with no RP ID in the options the client uses the
    // origin's effective domain.
    if (this.origin !== undefined) return new URL(this.origin).hostname;
    throw new Error('SoftAuthenticator needs an RP ID: none in the options and none configured');
  }

  private resolveOrigin(rpIdFromOptions: string | undefined): string {
    if (this.origin !== undefined) return this.origin;
    const rpId = rpIdFromOptions ?? this.rpId;
    if (rpId === undefined) {
      throw new Error('SoftAuthenticator needs an origin: none configured and no RP ID to derive it from');
    }
    return `https://${rpId}`;
  }
}

/** §5.8.1 CollectedClientData, serialised in the member order of §5.8.1.1. */
function clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
}

/**
 * EC2 COSE_Key for a P-256 public key (RFC 9053 §7.1.1): kty 2 (EC2),
 * alg -7 (ES256), crv 1 (P-256), x and y as 32-byte big-endian coordinates.
 * Label order 1, 3, -1, -2, -3 is CTAP2 canonical order, as authenticators send it.
 */
function toCoseKey(publicKey: KeyObject): Uint8Array<ArrayBuffer> {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.x === undefined || jwk.y === undefined) throw new Error('P-256 public key without coordinates');
  // Copied into an ArrayBuffer-backed array, the type WebAuthn's byte fields use.
  return new Uint8Array(
    encodeCBOR(
      new Map<number, CBORType>([
        [1, 2],
        [3, COSE_ALG_ES256],
        [-1, 1],
        [-2, Buffer.from(jwk.x, 'base64url')],
        [-3, Buffer.from(jwk.y, 'base64url')],
      ]),
    ),
  );
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}
