import { parsePhoneNumberFromString, type NumberType } from 'libphonenumber-js/max';
import { isCountryAllowed, isValidIsoCountry, maskPhoneNumber, parsePhoneNumber } from './phone-number.js';

/**
 * Example numbers, each with the type the full metadata gives it. The first
 * test checks those claims against the library so the table cannot drift
 * from the numbering plans when the metadata is updated.
 */
const EXAMPLES: ReadonlyArray<{ number: string; country: string; type: NonNullable<NumberType> }> = [
  { number: '+447400123456', country: 'GB', type: 'MOBILE' },
  { number: '+447911123456', country: 'GG', type: 'MOBILE' },
  { number: '+12015550123', country: 'US', type: 'FIXED_LINE_OR_MOBILE' },
  { number: '+33612345678', country: 'FR', type: 'MOBILE' },
  { number: '+4915123456789', country: 'DE', type: 'MOBILE' },
  { number: '+442071838750', country: 'GB', type: 'FIXED_LINE' },
  { number: '+493012345678', country: 'DE', type: 'FIXED_LINE' },
  { number: '+449098790000', country: 'GB', type: 'PREMIUM_RATE' },
  { number: '+19005551234', country: 'US', type: 'PREMIUM_RATE' },
  { number: '+448001111111', country: 'GB', type: 'TOLL_FREE' },
  { number: '+18005551234', country: 'US', type: 'TOLL_FREE' },
  { number: '+33810123456', country: 'FR', type: 'SHARED_COST' },
  { number: '+445600000000', country: 'GB', type: 'VOIP' },
  { number: '+33912345678', country: 'FR', type: 'VOIP' },
  { number: '+447640123456', country: 'GB', type: 'PAGER' },
  { number: '+443001234567', country: 'GB', type: 'UAN' },
  { number: '+447012345678', country: 'GB', type: 'PERSONAL_NUMBER' },
  { number: '+49160131234567', country: 'DE', type: 'VOICEMAIL' },
];

const ACCEPTED = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

describe('example numbers', () => {
  it.each(EXAMPLES)('$number really is $type in $country', ({ number, country, type }) => {
    const parsed = parsePhoneNumberFromString(number);
    expect(parsed?.isValid()).toBe(true);
    expect(parsed?.getType()).toBe(type);
    expect(parsed?.country).toBe(country);
  });
});

describe('parsePhoneNumber', () => {
  it.each(EXAMPLES.filter((e) => ACCEPTED.has(e.type)))('accepts $type $number', ({ number, country, type }) => {
    expect(parsePhoneNumber(number)).toEqual({ ok: true, e164: number, country, type });
  });

  it.each(EXAMPLES.filter((e) => !ACCEPTED.has(e.type)))('refuses $type $number as not_mobile', ({ number }) => {
    expect(parsePhoneNumber(number)).toEqual({ ok: false, reason: 'not_mobile' });
  });

  it('accepts national formats with a default country', () => {
    expect(parsePhoneNumber('07400 123456', 'GB')).toEqual({
      ok: true,
      e164: '+447400123456',
      country: 'GB',
      type: 'MOBILE',
    });
    expect(parsePhoneNumber('(201) 555-0123', 'US')).toEqual({
      ok: true,
      e164: '+12015550123',
      country: 'US',
      type: 'FIXED_LINE_OR_MOBILE',
    });
    expect(parsePhoneNumber('201.555.0123', 'us')).toMatchObject({ ok: true, e164: '+12015550123' });
    expect(parsePhoneNumber('06 12 34 56 78', 'FR')).toMatchObject({ ok: true, e164: '+33612345678', country: 'FR' });
  });

  it('accepts international formats with separators', () => {
    expect(parsePhoneNumber('+44 (0) 7400 123456')).toMatchObject({ ok: true, e164: '+447400123456' });
    expect(parsePhoneNumber('  +49 151 2345 6789 ')).toMatchObject({ ok: true, e164: '+4915123456789' });
  });

  it('lets a leading + override the default country', () => {
    expect(parsePhoneNumber('+33612345678', 'GB')).toMatchObject({ ok: true, country: 'FR' });
  });

  it('refuses a national number without a usable default country', () => {
    expect(parsePhoneNumber('07400 123456')).toEqual({ ok: false, reason: 'invalid' });
    expect(parsePhoneNumber('07400 123456', 'ZZ')).toEqual({ ok: false, reason: 'invalid' });
    expect(parsePhoneNumber('07400 123456', '')).toEqual({ ok: false, reason: 'invalid' });
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['letters', '+44 7400 CALLME'],
    ['extension', '+447400123456 ext. 12'],
    ['number in free text', 'call +447400123456'],
    ['control characters', '+447400123456\n'],
    ['non-ASCII digits', '+٤٤٧٤٠٠١٢٣٤٥٦'],
    ['too long', `+44 7400 123456${' '.repeat(30)}1`],
    ['trailing extra digits', '+447400123456 999'],
    ['unassigned range', '+447700900123'],
    ['too short', '+4412'],
    ['unknown calling code', '+9991234567'],
    ['only punctuation', '+-()'],
  ])('refuses %s as invalid', (_label, input) => {
    expect(parsePhoneNumber(input)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses non-geographic numbers', () => {
    // +800 is the ITU Universal International Freephone Number range.
    expect(parsePhoneNumber('+80012345678')).toEqual({ ok: false, reason: 'not_mobile' });
  });

  it('never throws on values that are not strings at run time', () => {
    for (const value of [undefined, null, 42, {}, [], Symbol('x')]) {
      expect(parsePhoneNumber(value as unknown as string)).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(parsePhoneNumber('07400 123456', 42 as unknown as string)).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('isCountryAllowed', () => {
  it('allows every country when the list is empty', () => {
    expect(isCountryAllowed('GB', [])).toBe(true);
    expect(isCountryAllowed('KP', [])).toBe(true);
  });

  it('allows only listed countries otherwise', () => {
    expect(isCountryAllowed('GB', ['GB', 'FR'])).toBe(true);
    expect(isCountryAllowed('FR', ['GB', 'FR'])).toBe(true);
    expect(isCountryAllowed('US', ['GB', 'FR'])).toBe(false);
    // Guernsey shares +44 with the UK but is its own country.
    expect(isCountryAllowed('GG', ['GB'])).toBe(false);
  });

  it('compares case-insensitively', () => {
    expect(isCountryAllowed('gb', ['GB'])).toBe(true);
    expect(isCountryAllowed('GB', ['gb'])).toBe(true);
  });
});

describe('isValidIsoCountry', () => {
  it.each(['GB', 'US', 'FR', 'DE', 'GG', 'JP'])('accepts %s', (code) => {
    expect(isValidIsoCountry(code)).toBe(true);
  });

  it.each(['', 'gb', 'G', 'GBR', 'ZZ', 'UK', 'EU', '44', ' GB'])('refuses %j', (code) => {
    expect(isValidIsoCountry(code)).toBe(false);
  });

  it('refuses non-strings without throwing', () => {
    expect(isValidIsoCountry(undefined as unknown as string)).toBe(false);
  });
});

describe('maskPhoneNumber', () => {
  it.each([
    ['+447400123456', '+44 •••• ••• 456'],
    ['+12015550123', '+1 •••• ••• 123'],
    ['+33612345678', '+33 •••• ••• 678'],
    ['+4915123456789', '+49 •••• ••• 789'],
  ])('masks %s as %s', (e164, masked) => {
    expect(maskPhoneNumber(e164)).toBe(masked);
  });

  it('shows nothing beyond the calling code and the last three digits', () => {
    for (const { number } of EXAMPLES) {
      const masked = maskPhoneNumber(number);
      const parsed = parsePhoneNumberFromString(number)!;
      const visibleDigits = masked.replace(/\D/g, '');
      expect(visibleDigits).toBe(`${parsed.countryCallingCode}${parsed.nationalNumber.slice(-3)}`);
    }
  });

  it('does not reveal the length of the national number', () => {
    expect(maskPhoneNumber('+4915123456789').length - '+49'.length).toBe(
      maskPhoneNumber('+33612345678').length - '+33'.length,
    );
  });

  it('shows no digits of a very short national number', () => {
    expect(maskPhoneNumber('+4412345')).toBe('+44 •••• •••');
  });

  it('masks everything when the input cannot be parsed', () => {
    expect(maskPhoneNumber('not a number')).toBe('•••• •••');
    expect(maskPhoneNumber('')).toBe('•••• •••');
    expect(maskPhoneNumber('+'.padEnd(100, '1'))).toBe('•••• •••');
  });
});
