import { execFileSync } from 'node:child_process';
import {
  DEFAULT_TOTP,
  base32Decode,
  base32Encode,
  generateTotpSecret,
  hotp,
  timeStep,
  totpAt,
  verifyTotp,
  type TotpParams,
} from '../../src/mfa/factors/totp/totp.js';
import { RFC4226_CODES, RFC4226_SECRET } from '../support/rfc4226-vectors.js';

/**
 * A cross-check against OATH Toolkit's `oathtool`, a C implementation of
 * RFC 4226/6238 that has nothing in common with ours: `npm run test:interop`,
 * which CI runs after installing the Debian package `oathtool`. `npm test`
 * checks the same against otpauth from the npm registry and needs no tool.
 * Without oathtool this suite fails, rather than passing by checking nothing.
 */
function oathtool(args: string[]): string {
  try {
    return execFileSync('oathtool', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'oathtool was not found on PATH: install OATH Toolkit (Debian/Ubuntu: apt-get install oathtool)',
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}

function oathtoolTotp(
  base32: string,
  unixSeconds: number | 'now',
  mode: 'sha1' | 'sha256' | 'sha512',
  digits: number,
): string {
  const time = unixSeconds === 'now' ? [] : ['-N', `@${unixSeconds}`];
  return oathtool([`--totp=${mode}`, '-b', '-d', String(digits), ...time, base32]);
}

describe('interoperability with oathtool', () => {
  it('finds the oathtool binary', () => {
    expect(oathtool(['--version'])).toMatch(/oathtool/i);
  });

  it.each([
    ['sha1', 'SHA1', 6],
    ['sha1', 'SHA1', 8],
    ['sha256', 'SHA256', 6],
    ['sha512', 'SHA512', 8],
  ] as const)('accepts codes from oathtool --totp=%s (%s, %i digits)', (mode, algorithm, digits) => {
    const base32 = base32Encode(generateTotpSecret());
    const secret = base32Decode(base32);
    const params: TotpParams = { algorithm, digits, periodSeconds: 30 };
    for (const time of [59, 1_111_111_109, 1_700_000_000, 2_000_000_000]) {
      const code = oathtoolTotp(base32, time, mode, digits);
      expect(code).toMatch(new RegExp(`^\\d{${digits}}$`));
      expect(totpAt(secret, time, params)).toBe(code);
      expect(verifyTotp(secret, code, time, params)).toEqual({ ok: true, step: timeStep(time, 30) });
    }
  });

  it('accepts the code oathtool gives for the current time', () => {
    const base32 = base32Encode(generateTotpSecret());
    const code = oathtoolTotp(base32, 'now', 'sha1', 6);
    // One step of tolerance covers a step boundary crossed between the two clocks being read.
    const result = verifyTotp(base32Decode(base32), code, Date.now() / 1000, DEFAULT_TOTP, 1);
    expect(result.ok).toBe(true);
  });

  it('agrees with oathtool on HOTP for the RFC 4226 secret', () => {
    const codes = oathtool(['--hotp', '-w', '9', RFC4226_SECRET.toString('hex')]).split('\n');
    expect(codes).toEqual(RFC4226_CODES);
    expect(codes).toEqual(RFC4226_CODES.map((_, counter) => hotp(RFC4226_SECRET, counter, 6, 'SHA1')));
  });
});
