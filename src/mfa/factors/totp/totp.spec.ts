import { randomBytes } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import {
  Base32Error,
  DEFAULT_TOTP,
  base32Decode,
  base32Encode,
  buildOtpauthUri,
  generateTotpSecret,
  hotp,
  renderQrSvg,
  timeStep,
  totpAt,
  verifyTotp,
  type TotpAlgorithm,
  type TotpParams,
} from './totp.js';
import { RFC4226_CODES, RFC4226_SECRET } from '../../../../test/support/rfc4226-vectors.js';

/**
 * The reference for cross-checking is otpauth, an HOTP/TOTP implementation
 * from the npm registry that shares no code with otplib (which the factor
 * uses): its own truncation, counters and Base32, and its own Key URI parser,
 * as an authenticator app would have. OATH Toolkit's `oathtool` is a third
 * opinion, checked by `npm run test:interop` (test/interop/) in CI.
 */
const REFERENCE_ALGORITHMS = { SHA1: 'SHA1', SHA256: 'SHA256', SHA512: 'SHA512' } as const satisfies Record<
  TotpAlgorithm,
  string
>;

function referenceTotp(base32: string, unixSeconds: number, algorithm: TotpAlgorithm, digits: number): string {
  return OTPAuth.TOTP.generate({
    secret: OTPAuth.Secret.fromBase32(base32),
    algorithm: REFERENCE_ALGORITHMS[algorithm],
    digits,
    period: 30,
    timestamp: unixSeconds * 1000,
  });
}

// RFC 6238 Appendix B: the seed length matches each hash's output size.
const RFC6238_SEEDS: Record<TotpAlgorithm, Buffer> = {
  SHA1: Buffer.from('12345678901234567890', 'ascii'),
  SHA256: Buffer.from('12345678901234567890123456789012', 'ascii'),
  SHA512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii'),
};

const RFC6238_VECTORS: Array<[number, TotpAlgorithm, string]> = [
  [59, 'SHA1', '94287082'],
  [59, 'SHA256', '46119246'],
  [59, 'SHA512', '90693936'],
  [1111111109, 'SHA1', '07081804'],
  [1111111109, 'SHA256', '68084774'],
  [1111111109, 'SHA512', '25091201'],
  [1111111111, 'SHA1', '14050471'],
  [1111111111, 'SHA256', '67062674'],
  [1111111111, 'SHA512', '99943326'],
  [1234567890, 'SHA1', '89005924'],
  [1234567890, 'SHA256', '91819424'],
  [1234567890, 'SHA512', '93441116'],
  [2000000000, 'SHA1', '69279037'],
  [2000000000, 'SHA256', '90698825'],
  [2000000000, 'SHA512', '38618901'],
  [20000000000, 'SHA1', '65353130'],
  [20000000000, 'SHA256', '77737706'],
  [20000000000, 'SHA512', '47863826'],
];

describe('hotp (RFC 4226)', () => {
  it.each(RFC4226_CODES.map((code, counter) => [counter, code] as const))(
    'counter %i gives %s (Appendix D)',
    (counter, code) => {
      expect(hotp(RFC4226_SECRET, counter, 6, 'SHA1')).toBe(code);
      expect(hotp(RFC4226_SECRET, BigInt(counter), 6, 'SHA1')).toBe(code);
    },
  );

  it('refuses fewer than 6 digits and negative counters', () => {
    expect(() => hotp(RFC4226_SECRET, 0, 5, 'SHA1')).toThrow(RangeError);
    expect(() => hotp(RFC4226_SECRET, -1, 6, 'SHA1')).toThrow(RangeError);
    expect(() => hotp(RFC4226_SECRET, 1.5, 6, 'SHA1')).toThrow(RangeError);
  });
});

describe('totpAt (RFC 6238 Appendix B)', () => {
  it.each(RFC6238_VECTORS)('at %i with %s gives %s', (time, algorithm, code) => {
    const params: TotpParams = { algorithm, digits: 8, periodSeconds: 30 };
    expect(totpAt(RFC6238_SEEDS[algorithm], time, params)).toBe(code);
    expect(verifyTotp(RFC6238_SEEDS[algorithm], code, time, params, 0)).toEqual({
      ok: true,
      step: Math.floor(time / 30),
    });
  });

  it('computes the time step as floor(t / X)', () => {
    expect(timeStep(59, 30)).toBe(1);
    expect(timeStep(60, 30)).toBe(2);
    expect(timeStep(1111111109, 30)).toBe(0x23523ec);
    expect(timeStep(20000000000, 30)).toBe(0x27bc86aa);
    expect(() => timeStep(59, 0)).toThrow(RangeError);
    expect(() => timeStep(-1, 30)).toThrow(RangeError);
  });
});

describe('verifyTotp', () => {
  const secret = RFC6238_SEEDS.SHA1;
  const now = 1_700_000_000;
  const step = timeStep(now, 30);
  const codeAtStep = (s: number): string => hotp(secret, s, 6, 'SHA1');

  it('accepts the current step and one step either side, reporting the matched step', () => {
    expect(verifyTotp(secret, codeAtStep(step), now, DEFAULT_TOTP)).toEqual({ ok: true, step });
    expect(verifyTotp(secret, codeAtStep(step - 1), now, DEFAULT_TOTP)).toEqual({ ok: true, step: step - 1 });
    expect(verifyTotp(secret, codeAtStep(step + 1), now, DEFAULT_TOTP)).toEqual({ ok: true, step: step + 1 });
  });

  it('refuses a code two steps away with a window of 1', () => {
    expect(verifyTotp(secret, codeAtStep(step - 2), now, DEFAULT_TOTP, 1)).toEqual({ ok: false });
    expect(verifyTotp(secret, codeAtStep(step + 2), now, DEFAULT_TOTP, 1)).toEqual({ ok: false });
    expect(verifyTotp(secret, codeAtStep(step + 2), now, DEFAULT_TOTP, 2)).toEqual({ ok: true, step: step + 2 });
  });

  it('accepts only the current step with a window of 0', () => {
    expect(verifyTotp(secret, codeAtStep(step), now, DEFAULT_TOTP, 0)).toEqual({ ok: true, step });
    expect(verifyTotp(secret, codeAtStep(step - 1), now, DEFAULT_TOTP, 0)).toEqual({ ok: false });
  });

  it('refuses a code computed with another secret', () => {
    const other = Buffer.from('09876543210987654321', 'ascii');
    expect(verifyTotp(other, codeAtStep(step), now, DEFAULT_TOTP)).toEqual({ ok: false });
  });

  it.each(['', '12345', '1234567', 'abcdef', '12345a', ' 123456', '123456 ', '１２３４５６', '12 456', '-12345'])(
    'refuses the malformed code %j without throwing',
    (code) => {
      expect(() => verifyTotp(secret, code, now, DEFAULT_TOTP)).not.toThrow();
      expect(verifyTotp(secret, code, now, DEFAULT_TOTP)).toEqual({ ok: false });
    },
  );

  it('does not look at steps before the epoch', () => {
    expect(verifyTotp(secret, codeAtStep(0), 5, DEFAULT_TOTP)).toEqual({ ok: true, step: 0 });
  });
});

describe('interoperability with an independent implementation (otpauth)', () => {
  it.each([
    ['SHA1', 6],
    ['SHA1', 8],
    ['SHA256', 6],
    ['SHA512', 8],
  ] as const)('agrees on codes for random secrets (%s, %i digits)', (algorithm, digits) => {
    for (let i = 0; i < 5; i++) {
      const base32 = base32Encode(generateTotpSecret());
      const secret = base32Decode(base32);
      const params: TotpParams = { algorithm, digits, periodSeconds: 30 };
      for (const time of [0, 59, 1_111_111_109, 1_700_000_000, 2_000_000_000, 20_000_000_000]) {
        const code = referenceTotp(base32, time, algorithm, digits);
        expect(code).toMatch(new RegExp(`^\\d{${digits}}$`));
        expect(totpAt(secret, time, params)).toBe(code);
        expect(verifyTotp(secret, code, time, params)).toEqual({ ok: true, step: timeStep(time, 30) });
      }
    }
  });

  it.each(RFC6238_VECTORS)('gives the RFC 6238 vector at %i with %s (%s) too', (time, algorithm, code) => {
    expect(referenceTotp(base32Encode(RFC6238_SEEDS[algorithm]), time, algorithm, 8)).toBe(code);
  });

  it('accepts the code it gives for the current time', () => {
    const base32 = base32Encode(generateTotpSecret());
    const code = OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(base32) });
    // One step of tolerance covers a step boundary crossed between the two clocks being read.
    const result = verifyTotp(base32Decode(base32), code, Date.now() / 1000, DEFAULT_TOTP, 1);
    expect(result.ok).toBe(true);
  });

  it('reads our Key URI as an authenticator app would, and computes the same codes from it', () => {
    const secret = generateTotpSecret();
    const params: TotpParams = { algorithm: 'SHA256', digits: 8, periodSeconds: 60 };
    const uri = buildOtpauthUri({ issuer: 'Acme & Co', accountName: 'alice+mfa@example.com', secret, params });
    const parsed = OTPAuth.URI.parse(uri);
    expect(parsed).toBeInstanceOf(OTPAuth.TOTP);
    const totp = parsed as OTPAuth.TOTP;
    expect({
      issuer: totp.issuer,
      label: totp.label,
      algorithm: totp.algorithm,
      digits: totp.digits,
      period: totp.period,
    }).toEqual({
      issuer: 'Acme & Co',
      label: 'alice+mfa@example.com',
      algorithm: 'SHA256',
      digits: 8,
      period: 60,
    });
    for (const time of [59, 1_700_000_000]) {
      expect(totp.generate({ timestamp: time * 1000 })).toBe(totpAt(secret, time, params));
    }
  });

  it('agrees on HOTP for the RFC 4226 secret', () => {
    const secret = OTPAuth.Secret.fromHex(RFC4226_SECRET.toString('hex'));
    const codes = RFC4226_CODES.map((_, counter) => OTPAuth.HOTP.generate({ secret, counter }));
    expect(codes).toEqual(RFC4226_CODES);
    expect(codes).toEqual(RFC4226_CODES.map((_, counter) => hotp(RFC4226_SECRET, counter, 6, 'SHA1')));
  });
});

describe('generateTotpSecret', () => {
  it('returns 20 random bytes by default', () => {
    const a = generateTotpSecret();
    const b = generateTotpSecret();
    expect(a).toHaveLength(20);
    expect(a.equals(b)).toBe(false);
    expect(generateTotpSecret(32)).toHaveLength(32);
  });

  it('refuses secrets shorter than 128 bits (RFC 4226 §4 R6)', () => {
    expect(() => generateTotpSecret(15)).toThrow(RangeError);
  });
});

describe('base32 (RFC 4648 §6)', () => {
  // RFC 4648 §10 test vectors, padding removed.
  it.each([
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ])('encodes %j as %j', (plain, encoded) => {
    expect(base32Encode(Buffer.from(plain, 'ascii'))).toBe(encoded);
    expect(base32Decode(encoded).toString('ascii')).toBe(plain);
  });

  it('decodes the padded RFC forms too', () => {
    expect(base32Decode('MY======').toString('ascii')).toBe('f');
    expect(base32Decode('MZXW6YTBOI======').toString('ascii')).toBe('foobar');
  });

  it('is case-insensitive and ignores spaces', () => {
    expect(base32Decode('mzxw 6ytb oi').toString('ascii')).toBe('foobar');
  });

  it('round-trips random buffers of every length', () => {
    for (let length = 0; length <= 64; length++) {
      const bytes = randomBytes(length);
      const encoded = base32Encode(bytes);
      expect(encoded).toMatch(/^[A-Z2-7]*$/);
      expect(base32Decode(encoded).equals(bytes)).toBe(true);
    }
  });

  it('encodes the RFC 6238 SHA-1 seed as authenticator apps expect', () => {
    expect(base32Encode(RFC6238_SEEDS.SHA1)).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  it.each(['MZXW1', 'MZXW8', 'MZ-XW', 'MZXW6Y!', 'é'])('throws Base32Error on invalid input %j', (input) => {
    expect(() => base32Decode(input)).toThrow(Base32Error);
  });

  it('throws Base32Error on a length no encoder produces', () => {
    expect(() => base32Decode('M')).toThrow(Base32Error);
    expect(() => base32Decode('MZX')).toThrow(Base32Error);
    expect(() => base32Decode('MZXW6Y')).toThrow(Base32Error);
  });
});

describe('buildOtpauthUri', () => {
  const secret = RFC6238_SEEDS.SHA1;

  it('builds a Key URI whose parameters parse back', () => {
    const uri = buildOtpauthUri({
      issuer: 'Acme & Co',
      accountName: 'alice+mfa@example.com',
      secret,
      params: { algorithm: 'SHA256', digits: 8, periodSeconds: 60 },
    });
    const url = new URL(uri);
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe('/Acme & Co:alice+mfa@example.com');
    expect(url.searchParams.get('secret')).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(url.searchParams.get('issuer')).toBe('Acme & Co');
    expect(url.searchParams.get('algorithm')).toBe('SHA256');
    expect(url.searchParams.get('digits')).toBe('8');
    expect(url.searchParams.get('period')).toBe('60');
    expect(base32Decode(url.searchParams.get('secret')!).equals(secret)).toBe(true);
  });

  it('percent-encodes spaces as %20 and keeps the label colon literal', () => {
    const uri = buildOtpauthUri({ issuer: 'Sesame Dev', accountName: 'bob smith', secret, params: DEFAULT_TOTP });
    expect(uri).toBe(
      'otpauth://totp/Sesame%20Dev:bob%20smith?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Sesame%20Dev&algorithm=SHA1&digits=6&period=30',
    );
  });

  it('refuses a colon in the issuer or account, which would be read as the separator', () => {
    expect(() => buildOtpauthUri({ issuer: 'A:B', accountName: 'x', secret, params: DEFAULT_TOTP })).toThrow(
      RangeError,
    );
    expect(() => buildOtpauthUri({ issuer: 'A', accountName: 'x:y', secret, params: DEFAULT_TOTP })).toThrow(
      RangeError,
    );
  });
});

describe('renderQrSvg', () => {
  it('renders an SVG document', async () => {
    const uri = buildOtpauthUri({
      issuer: 'Sesame',
      accountName: 'alice@example.com',
      secret: generateTotpSecret(),
      params: DEFAULT_TOTP,
    });
    const svg = await renderQrSvg(uri);
    expect(typeof svg).toBe('string');
    expect(svg).toContain('<svg');
    expect(svg.trimEnd()).toMatch(/<\/svg>$/);
  });
});
