/**
 * Texts of the SMS messages Sesame sends.
 *
 * Every template is written in the GSM 03.38 (3GPP TS 23.038) default
 * alphabet so that a one-time code message fits one 160-character segment:
 * a single character outside it (for instance á, í, ó, ú, ê, or a typographic
 * apostrophe) switches the whole message to UCS-2, cuts the segment to 70
 * characters and multiplies the cost. Spanish wording therefore avoids
 * "código" and "-ción" words, French avoids ê, â, î, ô and ç.
 */

export const SMS_LOCALES = ['en', 'es', 'fr', 'de'] as const;
export type SmsLocale = (typeof SMS_LOCALES)[number];

export const DEFAULT_SMS_LOCALE: SmsLocale = 'en';

export interface OtpMessageInput {
  appName: string;
  /** The one-time code; ASCII letters and digits only. */
  code: string;
  /** Validity shown to the user, in whole minutes. */
  ttlMinutes: number;
  /** Host the code is bound to for WebOTP (no scheme, no port), e.g. "example.com". */
  webOtpDomain: string;
  /** BCP 47 tag such as "fr-CA"; unsupported or missing tags fall back to English. */
  locale?: string | null;
}

export interface NoticeInput {
  appName: string;
  locale?: string | null;
}

interface OtpTemplateValues {
  app: string;
  code: string;
  minutes: number;
}

/**
 * The code comes first so it is readable in a notification preview, the
 * warning against sharing it counters "read me the code" social engineering.
 * "min"/"Min." sidesteps singular/plural forms and keeps the worst case
 * (16-character app name, 10-character code, 30-character domain) inside one
 * segment.
 */
const OTP_TEMPLATES: Record<SmsLocale, (v: OtpTemplateValues) => string> = {
  en: (v) =>
    `${v.code} is your ${v.app} verification code. Valid for ${v.minutes} min. Never share this code with anyone.`,
  es: (v) =>
    `${v.code} es tu clave de acceso a ${v.app}. Caduca en ${v.minutes} min. Nunca compartas esta clave con nadie.`,
  fr: (v) =>
    `${v.code} est votre code de vérification ${v.app}. Valable ${v.minutes} min. Ne le donnez jamais à personne.`,
  de: (v) =>
    `${v.code} ist Ihr Code für ${v.app}. Gültig ${v.minutes} Min. Geben Sie diesen Code niemals an andere weiter.`,
};

/** Sent to the previous number when the account's phone number changes, so a hijacker's swap does not go unnoticed. */
const PHONE_CHANGED_TEMPLATES: Record<SmsLocale, (app: string) => string> = {
  en: (app) =>
    `${app}: The phone number on your account was changed. If this was not you, contact support immediately.`,
  es: (app) =>
    `${app}: se ha cambiado el teléfono asociado a tu cuenta. Si no reconoces este cambio, contacta con soporte de inmediato.`,
  fr: (app) =>
    `${app} : le numéro de téléphone de votre compte a été modifié. Si ce n'est pas vous, contactez le support immédiatement.`,
  de: (app) =>
    `${app}: Die Telefonnummer Ihres Kontos wurde geändert. Falls Sie das nicht waren, wenden Sie sich sofort an den Support.`,
};

/** Sent when the account's second factors are reset, which is the usual goal of an account-recovery attack. */
const MFA_RESET_TEMPLATES: Record<SmsLocale, (app: string) => string> = {
  en: (app) =>
    `${app}: Two-step verification on your account was reset. If this was not you, contact support immediately.`,
  es: (app) =>
    `${app}: se ha restablecido el acceso en dos pasos de tu cuenta. Si no reconoces este cambio, contacta con soporte de inmediato.`,
  fr: (app) =>
    `${app} : la validation en deux étapes de votre compte a été réinitialisée. Si ce n'est pas vous, contactez le support immédiatement.`,
  de: (app) =>
    `${app}: Die Zwei-Faktor-Authentifizierung Ihres Kontos wurde zurückgesetzt. Falls Sie das nicht waren, wenden Sie sich sofort an den Support.`,
};

const CODE_PATTERN = /^[A-Za-z0-9]{1,16}$/;
/** A DNS host name (RFC 1123 labels); WebOTP binds the code to a host, never to a scheme or port. */
const HOST_PATTERN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Builds the one-time code SMS. Its last line is `@<domain> #<code>`, the
 * origin-bound one-time code format (https://wicg.github.io/sms-one-time-codes/)
 * that lets browsers and phones autofill the code only on that domain, which
 * blunts phishing sites relaying the code.
 *
 * Throws RangeError on a malformed code, domain or validity: those come from
 * our own configuration and code, never from the end user.
 */
export function buildOtpMessage(input: OtpMessageInput): string {
  const { code, ttlMinutes } = input;
  if (!CODE_PATTERN.test(code)) throw new RangeError('SMS one-time code must be 1 to 16 ASCII letters or digits');
  if (!Number.isSafeInteger(ttlMinutes) || ttlMinutes < 1)
    throw new RangeError('SMS code validity must be a positive whole number of minutes');
  const domain = input.webOtpDomain.trim().toLowerCase();
  if (!HOST_PATTERN.test(domain)) throw new RangeError('WebOTP domain must be a bare host name');

  const locale = resolveSmsLocale(input.locale);
  const body = OTP_TEMPLATES[locale]({ app: cleanAppName(input.appName), code, minutes: ttlMinutes });
  return `${body}\n@${domain} #${code}`;
}

/** Notice for the number that was just replaced on the account. Contains no code. */
export function buildPhoneChangedNotice(input: NoticeInput): string {
  return PHONE_CHANGED_TEMPLATES[resolveSmsLocale(input.locale)](cleanAppName(input.appName));
}

/** Notice that the account's multi-factor authentication was reset. Contains no code. */
export function buildMfaResetNotice(input: NoticeInput): string {
  return MFA_RESET_TEMPLATES[resolveSmsLocale(input.locale)](cleanAppName(input.appName));
}

/**
 * Line breaks or control characters in the app name could forge an extra
 * `@domain #code` line and defeat the WebOTP origin binding, so all
 * whitespace runs collapse to one space and control characters are dropped.
 */
function cleanAppName(appName: string): string {
  return appName
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** RFC 5646 §4.4.1 asks implementations to handle tags of at least 35 characters; anything far longer is not a real tag. */
const MAX_TAG_LENGTH = 64;

/**
 * Maps a BCP 47 tag to a supported locale by its primary language subtag
 * ("fr-CA" → "fr"), as the lookup scheme of RFC 4647 §3.4 would after
 * truncation. Returns undefined for anything unsupported or malformed.
 */
export function matchSmsLocale(tag: string | null | undefined): SmsLocale | undefined {
  if (typeof tag !== 'string' || tag.length > MAX_TAG_LENGTH) return undefined;
  const primary = /^([A-Za-z]{2,8})(?:[-_][A-Za-z0-9]{1,8})*$/.exec(tag.trim())?.[1]?.toLowerCase();
  return (SMS_LOCALES as readonly string[]).includes(primary ?? '') ? (primary as SmsLocale) : undefined;
}

/** Like matchSmsLocale, falling back to English. */
export function resolveSmsLocale(tag: string | null | undefined): SmsLocale {
  return matchSmsLocale(tag) ?? DEFAULT_SMS_LOCALE;
}

/** An Accept-Language header is client-controlled: parse a bounded prefix and a bounded number of entries. */
const MAX_ACCEPT_LANGUAGE_LENGTH = 1024;
const MAX_ACCEPT_LANGUAGE_ENTRIES = 32;
/** qvalue grammar of RFC 9110 §12.4.2: 0 to 1 with at most three decimals. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;
/** language-range of RFC 4647 §2.1 as used by RFC 9110 §12.5.4. */
const LANGUAGE_RANGE = /^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$/;

/**
 * Chooses the SMS language: the user's saved locale when it is supported,
 * otherwise the best supported entry of the Accept-Language header
 * (RFC 9110 §12.5.4, q-values honoured, q=0 meaning "not acceptable"),
 * otherwise English. Never throws, whatever the header holds.
 */
export function pickLocale(acceptLanguage: string | undefined, userLocale?: string | null): SmsLocale {
  const saved = matchSmsLocale(userLocale);
  if (saved !== undefined) return saved;
  if (typeof acceptLanguage !== 'string') return DEFAULT_SMS_LOCALE;

  const entries: Array<{ range: string; q: number; index: number }> = [];
  const parts = acceptLanguage.slice(0, MAX_ACCEPT_LANGUAGE_LENGTH).split(',', MAX_ACCEPT_LANGUAGE_ENTRIES);
  parts.forEach((part, index) => {
    const [rangePart, ...params] = part.split(';');
    const range = (rangePart ?? '').trim();
    if (!LANGUAGE_RANGE.test(range)) return;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=', 2).map((s) => s.trim());
      if (name?.toLowerCase() !== 'q') continue;
      if (value === undefined || !QVALUE.test(value)) return;
      q = Number(value);
    }
    if (q > 0) entries.push({ range, q, index });
  });

  entries.sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { range } of entries) {
    // "*" accepts any language, so the default one will do.
    if (range === '*') return DEFAULT_SMS_LOCALE;
    const match = matchSmsLocale(range);
    if (match !== undefined) return match;
  }
  return DEFAULT_SMS_LOCALE;
}

export interface SmsSegmentInfo {
  encoding: 'GSM-7' | 'UCS-2';
  /** Septets for GSM-7, UTF-16 code units for UCS-2. */
  units: number;
  segments: number;
}

/** GSM 03.38 default alphabet (3GPP TS 23.038 §6.2.1), one septet each. */
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà' +
    // Position 0x09 is drawn as a small c with cedilla in 3GPP TS 23.038 but
    // mapped to the capital by Unicode's GSM0338 table; handsets and SMS
    // gateways accept both as the same septet.
    'ç',
);
/** Extension table (3GPP TS 23.038 §6.2.1.1): escape septet plus one, so two septets each. */
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

const GSM_SINGLE = 160;
/** A concatenated segment loses 7 septets (GSM) or 3 code units (UCS-2) to the user data header (3GPP TS 23.040 §9.2.3.24.1). */
const GSM_MULTI = 153;
const UCS2_SINGLE = 70;
const UCS2_MULTI = 67;

/**
 * How a text will be encoded and into how many SMS segments it splits.
 * Follows what handsets and gateways do: an escaped extension character is
 * never split from its escape, and a surrogate pair is never split across
 * segments.
 */
export function smsSegmentInfo(text: string): SmsSegmentInfo {
  const chars = Array.from(text);
  const gsm = chars.every((c) => GSM_BASIC.has(c) || GSM_EXTENSION.has(c));
  const sizes = gsm ? chars.map((c) => (GSM_EXTENSION.has(c) ? 2 : 1)) : chars.map((c) => c.length);
  const units = sizes.reduce((sum, n) => sum + n, 0);
  const single = gsm ? GSM_SINGLE : UCS2_SINGLE;
  const multi = gsm ? GSM_MULTI : UCS2_MULTI;
  if (units <= single) return { encoding: gsm ? 'GSM-7' : 'UCS-2', units, segments: 1 };

  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > multi) {
      segments += 1;
      used = 0;
    }
    used += size;
  }
  return { encoding: gsm ? 'GSM-7' : 'UCS-2', units, segments };
}
