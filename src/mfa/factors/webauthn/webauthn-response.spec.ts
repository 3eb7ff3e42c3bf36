import { ProblemException } from '../../../common/errors/problem.exception.js';
import { amrOf, claimedChallenge, defaultLabel, failureOf, knownTransports, readAuthenticationResponse, readRegistrationResponse } from './webauthn-response.js';

const clientData = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

const registration = {
  id: 'Y3JlZA',
  rawId: 'Y3JlZA',
  type: 'public-key',
  clientExtensionResults: {},
  response: { clientDataJSON: clientData({ type: 'webauthn.create', challenge: 'abc_-1' }), attestationObject: 'o2NmbXQ', transports: ['usb'] },
};
const assertion = {
  id: 'Y3JlZA',
  rawId: 'Y3JlZA',
  type: 'public-key',
  clientExtensionResults: {},
  response: { clientDataJSON: clientData({ type: 'webauthn.get', challenge: 'abc' }), authenticatorData: 'AAAA', signature: 'MEUC' },
};

function fieldsOf(read: () => unknown): string[] {
  try {
    read();
  } catch (error) {
    if (error instanceof ProblemException) return (error.problem.extensions?.errors as Array<{ field: string }>).map((e) => e.field);
    throw error;
  }
  return [];
}

describe('readRegistrationResponse / readAuthenticationResponse', () => {
  it('accept the JSON form browsers and SimpleWebAuthn produce', () => {
    expect(readRegistrationResponse(registration)).toBe(registration);
    expect(readAuthenticationResponse(assertion)).toBe(assertion);
    expect(readAuthenticationResponse({ ...assertion, response: { ...assertion.response, userHandle: null } })).toBeDefined();
  });

  it.each<[string, unknown, string[]]>([
    ['not an object', 'x', ['credential']],
    ['an array', [], ['credential']],
    ['no ids', { ...registration, id: undefined, rawId: undefined }, ['credential.id', 'credential.rawId']],
    ['an id that is not base64url', { ...registration, id: 'a+b/', rawId: 'a+b/' }, ['credential.id', 'credential.rawId']],
    ['an id longer than 1023 bytes', { ...registration, id: 'A'.repeat(1365), rawId: 'A'.repeat(1365) }, ['credential.id', 'credential.rawId']],
    ['id and rawId that differ', { ...registration, rawId: 'b3RoZXI' }, ['credential.rawId']],
    ['another type', { ...registration, type: 'password' }, ['credential.type']],
    ['no response', { ...registration, response: null }, ['credential.response']],
    ['no attestation object', { ...registration, response: { ...registration.response, attestationObject: undefined } }, ['credential.response.attestationObject']],
    ['transports that are not a list', { ...registration, response: { ...registration.response, transports: 'usb' } }, ['credential.response.transports']],
  ])('refuse a registration response with %s', (_label, value, fields) => {
    expect(fieldsOf(() => readRegistrationResponse(value))).toEqual(fields);
  });

  it.each<[string, unknown, string[]]>([
    ['no signature', { ...assertion, response: { ...assertion.response, signature: undefined } }, ['credential.response.signature']],
    ['an empty authenticatorData', { ...assertion, response: { ...assertion.response, authenticatorData: '' } }, ['credential.response.authenticatorData']],
    ['a user handle that is not a string', { ...assertion, response: { ...assertion.response, userHandle: 7 } }, ['credential.response.userHandle']],
  ])('refuse an assertion with %s', (_label, value, fields) => {
    expect(fieldsOf(() => readAuthenticationResponse(value))).toEqual(fields);
  });
});

describe('claimedChallenge', () => {
  it('reads the challenge from clientDataJSON', () => {
    expect(claimedChallenge(clientData({ type: 'webauthn.create', challenge: 'abc_-1' }))).toBe('abc_-1');
  });

  it.each([
    ['not JSON', clientData('{')],
    ['no challenge', clientData({ type: 'webauthn.create' })],
    ['a challenge that is not a string', clientData({ challenge: 42 })],
    ['a challenge that is not base64url', clientData({ challenge: "'; DROP TABLE" })],
    ['an oversized challenge', clientData({ challenge: 'A'.repeat(513) })],
    ['a JSON array', clientData([1])],
  ])('is null for %s', (_label, value) => {
    expect(claimedChallenge(value)).toBeNull();
  });
});

describe('amrOf and defaultLabel (RFC 8176: hwk for a device-bound key, swk for one that may be synced)', () => {
  it.each<['singleDevice' | 'multiDevice', boolean, 'hwk' | 'swk', string]>([
    ['singleDevice', false, 'hwk', 'Security key'],
    ['multiDevice', false, 'swk', 'Passkey'],
    ['multiDevice', true, 'swk', 'Passkey'],
    ['singleDevice', true, 'swk', 'Passkey'],
  ])('%s, backed up %s → %s, %s', (deviceType, backedUp, amr, label) => {
    expect(amrOf({ deviceType, backedUp })).toBe(amr);
    expect(defaultLabel({ deviceType, backedUp })).toBe(label);
  });
});

describe('knownTransports', () => {
  it('keeps the AuthenticatorTransport values (WebAuthn §5.8.4), once each, and drops the rest', () => {
    expect(knownTransports(['usb', 'nfc', 'usb', 'carrier-pigeon', 7, 'hybrid'])).toEqual(['usb', 'nfc', 'hybrid']);
    expect(knownTransports(undefined)).toEqual([]);
  });
});

describe('failureOf', () => {
  it.each([
    ['Unexpected authentication response origin "https://evil.test", expected "https://app.test"', 'origin'],
    ['Unexpected RP ID hash', 'rp_id'],
    ['Unexpected authentication response challenge "a", expected "b"', 'challenge'],
    ['Unexpected authentication response challenge "origin RP ID counter", expected "b"', 'challenge'],
    ['Response counter value 3 was lower than expected 5', 'counter'],
    ['User not present during authentication', 'user_presence'],
    ['Credential response authenticatorData was not a base64url string', 'malformed'],
  ])('sorts "%s" as %s', (message, kind) => {
    expect(failureOf(new Error(message))).toBe(kind);
  });

  it('sorts anything that is not an Error as malformed', () => {
    expect(failureOf('boom')).toBe('malformed');
  });
});
