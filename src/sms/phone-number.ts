/**
 * Phone number checks for SMS one-time codes.
 *
 * The full ("max") metadata is required: the smaller metadata sets bundled by
 * libphonenumber-js cannot tell a mobile number from a fixed line, premium
 * rate or VoIP number, and that distinction is the whole point here.
 */
import { getCountries, isSupportedCountry, parsePhoneNumberFromString, type PhoneNumber } from 'libphonenumber-js/max';

/**
 * Number types that can receive an SMS code.
 *
 * FIXED_LINE_OR_MOBILE is accepted because the numbering plans of the US,
 * Canada and other NANP countries (and a few others) do not distinguish
 * mobile from fixed numbers: refusing it would refuse every US user.
 */
export type PhoneNumberKind = 'MOBILE' | 'FIXED_LINE_OR_MOBILE';

export type PhoneParseResult =
  | {
      ok: true;
      /** E.164, e.g. +447400123456. */
      e164: string;
      /** ISO 3166-1 alpha-2 country the number belongs to (e.g. GG for a Guernsey +44 7911 number). */
      country: string;
      type: PhoneNumberKind;
    }
  /**
   * `invalid`: not a phone number we can parse or that exists in the numbering plan.
   * `not_mobile`: a real number that cannot be trusted to receive an SMS code
   * (fixed line, premium rate, toll free, shared cost, VoIP, pager, UAN,
   * personal number, voicemail, unknown type, or a non-geographic number).
   */
  | { ok: false; reason: 'invalid' | 'not_mobile' };

/**
 * Longest input accepted. E.164 caps a number at 15 digits (ITU-T E.164 §6);
 * 32 leaves room for a leading +, spaces and punctuation while keeping the
 * parser away from arbitrarily long attacker-controlled strings.
 */
const MAX_INPUT_LENGTH = 32;

/**
 * Digits and the usual human separators only. Letters (vanity numbers,
 * "ext."), control characters and anything exotic are refused up front so the
 * parser never has to extract a number out of free text.
 */
const ALLOWED_INPUT = /^[0-9+\-(). ]+$/;

const ACCEPTED_KINDS: ReadonlySet<string> = new Set<PhoneNumberKind>(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

const INVALID: PhoneParseResult = { ok: false, reason: 'invalid' };
const NOT_MOBILE: PhoneParseResult = { ok: false, reason: 'not_mobile' };

/**
 * Parses and classifies a user-entered phone number. Never throws: any
 * unusable input is reported as `invalid`.
 *
 * @param defaultCountry ISO 3166-1 alpha-2 country used when the input has no
 *   leading `+` (national format, e.g. "07400 123456" with "GB").
 */
export function parsePhoneNumber(input: string, defaultCountry?: string): PhoneParseResult {
  if (typeof input !== 'string') return INVALID;
  // Checked before any trimming: String#trim would silently drop tabs,
  // newlines and Unicode spaces that the allow-list is meant to refuse.
  if (input.length > MAX_INPUT_LENGTH || !ALLOWED_INPUT.test(input)) return INVALID;
  const text = input.trim();
  if (text.length === 0) return INVALID;

  let country: string | undefined;
  if (defaultCountry !== undefined && defaultCountry !== null) {
    if (typeof defaultCountry !== 'string') return INVALID;
    country = defaultCountry.trim().toUpperCase();
  }

  let parsed: PhoneNumber | undefined;
  try {
    parsed = parsePhoneNumberFromString(text, {
      defaultCountry: country !== undefined && isSupportedCountry(country) ? country : undefined,
      // The whole input must be the number, not merely contain one.
      extract: false,
    });
  } catch {
    return INVALID;
  }
  if (parsed === undefined || !parsed.isValid()) return INVALID;

  const type = parsed.getType();
  if (type === undefined || !ACCEPTED_KINDS.has(type)) return NOT_MOBILE;
  // Non-geographic numbers (+881 satellite, +882/+883 international networks)
  // have no country, so the per-country SMS policy could not be applied.
  if (parsed.country === undefined) return NOT_MOBILE;

  return { ok: true, e164: parsed.number, country: parsed.country, type: type as PhoneNumberKind };
}

/** An empty allow-list means every country is allowed. */
export function isCountryAllowed(country: string, allowedCountries: readonly string[]): boolean {
  if (allowedCountries.length === 0) return true;
  const wanted = country.toUpperCase();
  return allowedCountries.some((allowed) => allowed.toUpperCase() === wanted);
}

/**
 * Country codes a policy may name: the regions libphonenumber has numbering
 * plans for (ISO 3166-1 alpha-2, plus the few codes such as XK, AC and TA
 * that have their own plan). Exact upper case only, as stored in policies.
 */
export function isValidIsoCountry(code: string): boolean {
  if (typeof code !== 'string' || !/^[A-Z]{2}$/.test(code)) return false;
  return (getCountries() as readonly string[]).includes(code);
}

const BULLETS = '•••• •••';
const VISIBLE_DIGITS = 3;
/**
 * Below this many national digits, showing the last three would reveal too
 * large a share of the number, so none are shown.
 */
const MIN_DIGITS_TO_REVEAL = 6;

/**
 * Masks a number for display, e.g. +447400123456 → "+44 •••• ••• 456".
 *
 * Only the country calling code and the last three digits are ever visible,
 * enough for a user to recognise their phone without disclosing the number
 * to someone looking over their shoulder or reading an API response. The
 * bullets are a fixed width so the length of the national number does not
 * leak either.
 */
export function maskPhoneNumber(e164: string): string {
  let parsed: PhoneNumber | undefined;
  try {
    parsed =
      typeof e164 === 'string' && e164.length <= MAX_INPUT_LENGTH
        ? parsePhoneNumberFromString(e164, { extract: false })
        : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined) return BULLETS;
  const national = parsed.nationalNumber;
  const tail = national.length >= MIN_DIGITS_TO_REVEAL ? ` ${national.slice(-VISIBLE_DIGITS)}` : '';
  return `+${parsed.countryCallingCode} ${BULLETS}${tail}`;
}

/**
 * The prefix of an E.164 number that conversion is tracked by: the '+' and
 * the first `digits` digits (country code and the start of the national
 * number), a range of numbers rather than one.
 */
export function phonePrefix(e164: string, digits: number): string {
  return `+${e164.replace(/^\+/, '').slice(0, digits)}`;
}
