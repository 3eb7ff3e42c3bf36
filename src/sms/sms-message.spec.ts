import {
  buildMfaResetNotice,
  buildOtpMessage,
  buildPhoneChangedNotice,
  matchSmsLocale,
  pickLocale,
  resolveSmsLocale,
  SMS_LOCALES,
  smsSegmentInfo,
} from './sms-message.js';

const APP_NAMES = ['Sesame', 'MyCompanyAccounts'];
const CODES = ['123456', '9876543210'];
const LONG_DOMAIN = 'login.accounts.example-corp.io';
const DOMAINS = ['example.com', LONG_DOMAIN];
const TTLS = [5, 10, 60];

const cases = SMS_LOCALES.flatMap((locale) =>
  APP_NAMES.flatMap((appName) =>
    CODES.flatMap((code) =>
      DOMAINS.flatMap((webOtpDomain) =>
        TTLS.map((ttlMinutes) => ({ locale, appName, code, webOtpDomain, ttlMinutes })),
      ),
    ),
  ),
);

const NEVER_SHARE: Record<string, RegExp> = {
  en: /never share this code/i,
  es: /nunca compartas esta clave/i,
  fr: /ne le donnez jamais/i,
  de: /niemals an andere weiter/i,
};

describe('buildOtpMessage', () => {
  it('uses the fixtures it claims to', () => {
    expect(LONG_DOMAIN).toHaveLength(30);
    expect('MyCompanyAccounts'.length).toBeGreaterThanOrEqual(16);
    expect(cases).toHaveLength(4 * 2 * 2 * 2 * 3);
  });

  it.each(cases)(
    '$locale, $appName, code $code, $webOtpDomain, $ttlMinutes min',
    ({ locale, appName, code, webOtpDomain, ttlMinutes }) => {
      const text = buildOtpMessage({ appName, code, ttlMinutes, webOtpDomain, locale });
      const lines = text.split('\n');

      expect(lines.at(-1)).toBe(`@${webOtpDomain} #${code}`);
      const body = lines.slice(0, -1).join('\n');
      expect(body).toContain(code);
      expect(body).toContain(appName);
      expect(body).toContain(locale === 'de' ? `${ttlMinutes} Min.` : `${ttlMinutes} min.`);
      expect(body).toMatch(NEVER_SHARE[locale]!);

      const info = smsSegmentInfo(text);
      expect(info.encoding).toBe('GSM-7');
      expect(info.units).toBeLessThanOrEqual(160);
      expect(info.segments).toBe(1);
    },
  );

  it('picks the template from a regional tag', () => {
    const input = { appName: 'Sesame', code: '123456', ttlMinutes: 5, webOtpDomain: 'example.com' };
    expect(buildOtpMessage({ ...input, locale: 'fr-CA' })).toBe(buildOtpMessage({ ...input, locale: 'fr' }));
    expect(buildOtpMessage({ ...input, locale: 'de-AT' })).toBe(buildOtpMessage({ ...input, locale: 'de' }));
    expect(buildOtpMessage({ ...input, locale: 'es-419' })).toBe(buildOtpMessage({ ...input, locale: 'es' }));
  });

  it('falls back to English for unknown or missing locales', () => {
    const input = { appName: 'Sesame', code: '123456', ttlMinutes: 5, webOtpDomain: 'example.com' };
    const en = buildOtpMessage({ ...input, locale: 'en' });
    expect(en).toBe(
      '123456 is your Sesame verification code. Valid for 5 min. Never share this code with anyone.\n@example.com #123456',
    );
    expect(buildOtpMessage({ ...input, locale: 'ja-JP' })).toBe(en);
    expect(buildOtpMessage({ ...input, locale: 'garbage!!' })).toBe(en);
    expect(buildOtpMessage({ ...input, locale: null })).toBe(en);
    expect(buildOtpMessage(input)).toBe(en);
  });

  it('normalises the domain to lower case', () => {
    const text = buildOtpMessage({
      appName: 'Sesame',
      code: '123456',
      ttlMinutes: 5,
      webOtpDomain: 'Example.COM',
      locale: 'en',
    });
    expect(text.split('\n').at(-1)).toBe('@example.com #123456');
  });

  it('cannot be given an extra line through the app name', () => {
    const text = buildOtpMessage({
      appName: 'Evil\n@phish.example #000000\r\u2028x',
      code: '123456',
      ttlMinutes: 5,
      webOtpDomain: 'example.com',
      locale: 'en',
    });
    expect(text.split(/\r\n|[\n\r\u2028\u2029]/)).toHaveLength(2);
    expect(text.split('\n').at(-1)).toBe('@example.com #123456');
  });

  it.each([
    ['a code with a space', { code: '123 456' }],
    ['an empty code', { code: '' }],
    ['a code with a newline', { code: '123456\n@evil.example' }],
    ['a domain with a scheme', { webOtpDomain: 'https://example.com' }],
    ['a domain with a port', { webOtpDomain: 'example.com:8443' }],
    ['a domain with a path', { webOtpDomain: 'example.com/login' }],
    ['a domain with spaces inside', { webOtpDomain: 'example .com' }],
    ['zero minutes', { ttlMinutes: 0 }],
    ['fractional minutes', { ttlMinutes: 2.5 }],
    ['NaN minutes', { ttlMinutes: Number.NaN }],
  ])('refuses %s', (_label, override) => {
    const input = {
      appName: 'Sesame',
      code: '123456',
      ttlMinutes: 5,
      webOtpDomain: 'example.com',
      locale: 'en',
      ...override,
    };
    expect(() => buildOtpMessage(input)).toThrow(RangeError);
  });
});

describe.each([
  ['buildPhoneChangedNotice', buildPhoneChangedNotice],
  ['buildMfaResetNotice', buildMfaResetNotice],
])('%s', (_name, build) => {
  it.each(SMS_LOCALES.flatMap((locale) => APP_NAMES.map((appName) => ({ locale, appName }))))(
    '$locale, $appName',
    ({ locale, appName }) => {
      const text = build({ appName, locale });
      expect(text).toContain(appName);
      expect(text).not.toMatch(/\d/);
      expect(text).not.toContain('#');
      const info = smsSegmentInfo(text);
      expect(info.encoding).toBe('GSM-7');
      expect(info.segments).toBe(1);
    },
  );

  it('has a distinct text per locale', () => {
    const texts = SMS_LOCALES.map((locale) => build({ appName: 'Sesame', locale }));
    expect(new Set(texts).size).toBe(SMS_LOCALES.length);
  });

  it('uses the regional tag and falls back to English', () => {
    expect(build({ appName: 'Sesame', locale: 'es-MX' })).toBe(build({ appName: 'Sesame', locale: 'es' }));
    expect(build({ appName: 'Sesame', locale: 'pt-BR' })).toBe(build({ appName: 'Sesame', locale: 'en' }));
  });
});

describe('matchSmsLocale / resolveSmsLocale', () => {
  it.each([
    ['fr-CA', 'fr'],
    ['FR', 'fr'],
    ['de_DE', 'de'],
    ['es-419', 'es'],
    ['en-GB', 'en'],
    ['zh-Hant-TW', undefined],
    ['', undefined],
    ['-fr', undefined],
    ['fr-', undefined],
    ['x'.repeat(1000), undefined],
  ])('%j → %j', (tag, expected) => {
    expect(matchSmsLocale(tag)).toBe(expected);
    expect(resolveSmsLocale(tag)).toBe(expected ?? 'en');
  });

  it('handles missing values', () => {
    expect(matchSmsLocale(undefined)).toBeUndefined();
    expect(matchSmsLocale(null)).toBeUndefined();
    expect(resolveSmsLocale(null)).toBe('en');
  });
});

describe('pickLocale', () => {
  it.each([
    ['fr-CA,fr;q=0.9,en;q=0.8', 'fr'],
    ['de;q=0.1, es;q=0.9', 'es'],
    ['*', 'en'],
    ['ja, de;q=0.5', 'de'],
    ['ja, zh;q=0.9', 'en'],
    ['es;q=0, de', 'de'],
    ['es;q=0.000', 'en'],
    ['de;q=0.5, fr;q=0.5', 'de'],
    ['de;Q=0.2, fr;q=0.3', 'fr'],
    ['  fr-CH ; q=1.0 , de ', 'fr'],
    ['de;q=2, fr;q=0.1', 'fr'],
    ['de;q=abc, fr;q=0.1', 'fr'],
    ['de;q=0.5555, es;q=0.1', 'es'],
    ['*;q=0.9, de', 'de'],
    ['en-US,en;q=0.9', 'en'],
    ['', 'en'],
  ])('%j → %s', (header, expected) => {
    expect(pickLocale(header)).toBe(expected);
  });

  it.each([
    ['garbage', '%%%$$$'],
    ['separators only', ',,,;;;==='],
    ['control characters', 'fr\u0000\n'],
    ['a very long header', `${'xx-YY;q=0.5,'.repeat(10_000)}fr`],
    ['a very long tag', `${'a'.repeat(100_000)}`],
  ])('falls back to English on %s', (_label, header) => {
    expect(pickLocale(header)).toBe('en');
  });

  it('never throws on values that are not strings at run time', () => {
    for (const value of [undefined, null, 42, {}, [], ['fr']]) {
      expect(pickLocale(value as unknown as string)).toBe('en');
      expect(pickLocale('de', value as unknown as string)).toBe('de');
    }
  });

  it('prefers a supported user locale over the header', () => {
    expect(pickLocale('fr-CA,fr;q=0.9', 'de')).toBe('de');
    expect(pickLocale('fr-CA,fr;q=0.9', 'es-MX')).toBe('es');
    expect(pickLocale(undefined, 'fr')).toBe('fr');
  });

  it('ignores an unsupported or empty user locale', () => {
    expect(pickLocale('fr-CA,fr;q=0.9', 'ja')).toBe('fr');
    expect(pickLocale('de', null)).toBe('de');
    expect(pickLocale('de', '')).toBe('de');
    expect(pickLocale(undefined, 'ja')).toBe('en');
  });
});

describe('smsSegmentInfo', () => {
  it('counts the GSM basic set as one septet each', () => {
    expect(smsSegmentInfo('Hello @ £ $ é è ñ ü Ä Ö Ü Ñ à ù ì ò É ç ß')).toEqual({
      encoding: 'GSM-7',
      units: 41,
      segments: 1,
    });
  });

  it('counts extension characters as two septets', () => {
    expect(smsSegmentInfo('{}[]~\\|^€')).toEqual({ encoding: 'GSM-7', units: 18, segments: 1 });
  });

  it.each(['á', 'í', 'ó', 'ú', 'ê', 'â', '\u2019', '“'])('switches to UCS-2 for %s', (char) => {
    expect(smsSegmentInfo(`Code ${char}`)).toEqual({ encoding: 'UCS-2', units: 6, segments: 1 });
  });

  it('counts UTF-16 code units in UCS-2', () => {
    expect(smsSegmentInfo('😀')).toEqual({ encoding: 'UCS-2', units: 2, segments: 1 });
  });

  it('handles the single-segment limits', () => {
    expect(smsSegmentInfo('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegmentInfo('a'.repeat(161))).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    expect(smsSegmentInfo('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegmentInfo('ó'.repeat(70))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(smsSegmentInfo('ó'.repeat(71))).toEqual({ encoding: 'UCS-2', units: 71, segments: 2 });
  });

  it('uses 153 septets / 67 code units per concatenated segment', () => {
    expect(smsSegmentInfo('a'.repeat(306))).toEqual({ encoding: 'GSM-7', units: 306, segments: 2 });
    expect(smsSegmentInfo('a'.repeat(307))).toEqual({ encoding: 'GSM-7', units: 307, segments: 3 });
    expect(smsSegmentInfo('ó'.repeat(134))).toEqual({ encoding: 'UCS-2', units: 134, segments: 2 });
    expect(smsSegmentInfo('ó'.repeat(135))).toEqual({ encoding: 'UCS-2', units: 135, segments: 3 });
  });

  it('never splits an escaped character or a surrogate pair across segments', () => {
    // 152 septets then a two-septet character: it moves whole to segment 2.
    expect(smsSegmentInfo(`${'a'.repeat(152)}€${'a'.repeat(152)}`)).toEqual({
      encoding: 'GSM-7',
      units: 306,
      segments: 3,
    });
    expect(smsSegmentInfo(`${'ó'.repeat(66)}😀${'ó'.repeat(66)}`)).toEqual({
      encoding: 'UCS-2',
      units: 134,
      segments: 3,
    });
  });

  it('treats an empty text as one segment', () => {
    expect(smsSegmentInfo('')).toEqual({ encoding: 'GSM-7', units: 0, segments: 1 });
  });
});
