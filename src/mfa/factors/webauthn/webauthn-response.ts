import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { z } from 'zod';
import { parseOrRefuse } from '../../../common/validation/parse.js';
import type { CredentialDeviceType } from './webauthn-credential.entity.js';

/**
 * Pure helpers around the JSON form of a WebAuthn response (WebAuthn L3
 * §5.1 `PublicKeyCredential.toJSON()`): shape checks before any library
 * sees the input, and the few decisions that depend only on its flags.
 */

/** A credential ID is at most 1023 bytes (WebAuthn §4 "Credential ID"), 1364 characters of base64url. */
const MAX_CREDENTIAL_ID_LENGTH = 1364;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** WebAuthn L3 §5.8.4 AuthenticatorTransport; unknown values are dropped, as clients are told to ignore them. */
const KNOWN_TRANSPORTS: ReadonlySet<string> = new Set(['usb', 'nfc', 'ble', 'smart-card', 'hybrid', 'internal']);

/** Why a ceremony was refused. Kept for the audit log only; the caller is told nothing more than "invalid". */
export type CeremonyFailure = 'origin' | 'rp_id' | 'challenge' | 'counter' | 'signature' | 'credential' | 'user_presence' | 'malformed';

const base64Url = (message: string) => z.string({ error: message }).regex(BASE64URL, message);
const responsePart = base64Url('must be a base64url string').min(1, 'must be a base64url string');
const credentialId = base64Url('must be a base64url credential ID')
  .min(1, 'must be a base64url credential ID')
  .max(MAX_CREDENTIAL_ID_LENGTH, 'must be a base64url credential ID');

/** The members every response carries; others (clientExtensionResults, authenticatorAttachment…) pass through. */
const credentialOf = <R extends z.ZodRawShape>(response: R) =>
  z
    .looseObject(
      {
        id: credentialId,
        rawId: credentialId,
        type: z.literal('public-key', { error: 'must be "public-key"' }),
        response: z.looseObject(response, { error: 'must be an object' }),
      },
      { error: 'must be a WebAuthn response object' },
    )
    // In the JSON form (WebAuthn L3 §5.1 toJSON) both carry the same base64url credential ID; a mismatch is a broken or forged response.
    .refine((value) => value.id === value.rawId, { path: ['rawId'], message: 'must equal id' });

const registrationResponse = credentialOf({
  clientDataJSON: responsePart,
  attestationObject: responsePart,
  transports: z.array(z.unknown(), { error: 'must be a list of transports' }).max(16, 'must be a list of transports').optional(),
});

const authenticationResponse = credentialOf({
  clientDataJSON: responsePart,
  authenticatorData: responsePart,
  signature: responsePart,
  userHandle: base64Url('must be a base64url string').nullable().optional(),
});

/** A registration response with the members the server reads, each of the right type; 400 otherwise. */
export function readRegistrationResponse(value: unknown): RegistrationResponseJSON {
  return checked(registrationResponse, value) as RegistrationResponseJSON;
}

/** An authentication (assertion) response with the members the server reads; 400 otherwise. */
export function readAuthenticationResponse(value: unknown): AuthenticationResponseJSON {
  return checked(authenticationResponse, value) as AuthenticationResponseJSON;
}

/** The value itself once it has the shape, so the library verifies exactly what the client sent. */
function checked(schema: z.ZodType, value: unknown): unknown {
  parseOrRefuse(schema, value, 'credential');
  return value;
}

/**
 * The challenge a response claims to answer, read from its clientDataJSON
 * (WebAuthn §5.8.1). Only used to find the stored challenge; the library then
 * checks the whole of clientDataJSON against it. Null when unreadable.
 */
export function claimedChallenge(clientDataJSON: string): string | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
    if (!isRecord(parsed) || typeof parsed.challenge !== 'string') return null;
    return isBase64Url(parsed.challenge) && parsed.challenge.length <= 512 ? parsed.challenge : null;
  } catch {
    return null;
  }
}

/** The transports worth storing: known values only, each once. */
export function knownTransports(transports: readonly unknown[] | undefined): string[] {
  return [...new Set((transports ?? []).filter((t): t is string => typeof t === 'string' && KNOWN_TRANSPORTS.has(t)))];
}

/**
 * RFC 8176 §2: `hwk` is proof of possession of a hardware-secured key, `swk`
 * of a software-secured one. A credential that may be synced (BE) or is
 * backed up (BS, WebAuthn L3 §6.1.3) has left the authenticator's hardware,
 * so it counts as `swk`; either flag is enough.
 */
export function amrOf(credential: { deviceType: CredentialDeviceType; backedUp: boolean }): 'hwk' | 'swk' {
  return credential.deviceType === 'multiDevice' || credential.backedUp ? 'swk' : 'hwk';
}

/** What the user sees until they rename it: a synced credential is a passkey, anything else a security key. */
export function defaultLabel(credential: { deviceType: CredentialDeviceType; backedUp: boolean }): string {
  return amrOf(credential) === 'swk' ? 'Passkey' : 'Security key';
}

/**
 * Sorts a library error into a failure kind for the audit log. The
 * message itself never leaves the server (security.md: no library text).
 */
export function failureOf(error: unknown): CeremonyFailure {
  // The library quotes the values it received; only the text before them is its own, so a client cannot steer this.
  const message = error instanceof Error ? error.message.split('"', 1)[0] : '';
  if (/\bRP ID\b/i.test(message)) return 'rp_id';
  if (/origin/i.test(message)) return 'origin';
  if (/challenge/i.test(message)) return 'challenge';
  if (/counter/i.test(message)) return 'counter';
  if (/presen|verification/i.test(message)) return 'user_presence';
  return 'malformed';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBase64Url(value: unknown): value is string {
  return typeof value === 'string' && BASE64URL.test(value);
}
