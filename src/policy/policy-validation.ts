import type { Role } from '../auth/guards/access.decorators.js';
import type { FieldError } from '../common/errors/problem.exception.js';
import { FACTOR_TYPES, type FactorType } from '../mfa/factor-type.js';
import { isValidIsoCountry } from '../sms/phone-number.js';
import type { MfaMode, MfaPolicy } from './mfa-policy.js';

/** The policy as an admin writes it: everything but the version, which the server assigns. */
export type MfaPolicyDocument = Omit<MfaPolicy, 'version'>;

export type PolicyValidationResult = { ok: true; document: MfaPolicyDocument } | { ok: false; errors: FieldError[] };

const MODES: readonly MfaMode[] = ['off', 'optional', 'required'];
const ROLES: readonly Role[] = ['admin'];
/** Mirrors the login flow: a recovery code is never enrolled on its own, so it cannot be the only factor. */
const ENROLLABLE_FIRST: readonly FactorType[] = ['sms', 'totp', 'webauthn'];
/** ISO 3166-1 has fewer than 250 officially assigned alpha-2 codes. */
const MAX_COUNTRIES = 250;
/** A list of a thousand bad entries gets a readable answer, not a thousand errors. */
const MAX_ERRORS_PER_LIST = 10;

/**
 * The bounds of api.md ("Policy document"). They keep an admin from setting
 * values that would weaken the second factor below what security.md accepts
 * (a 4-digit or hour-long SMS code, unlimited guesses) or lock users out (a
 * 10-second code, a step-up window too short to complete).
 */
const SMS_BOUNDS = {
  codeLength: [6, 10],
  ttlSeconds: [60, 600],
  maxAttempts: [1, 10],
  resendCooldownSeconds: [0, 3600],
  maxResends: [0, 10],
  maxSendsPerHourPerUser: [1, 100],
} as const satisfies Record<Exclude<keyof MfaPolicy['sms'], 'allowedCountries'>, readonly [number, number]>;

const TOP_BOUNDS = {
  stepUpMaxAgeSeconds: [60, 86_400],
  mfaTokenTtlSeconds: [60, 900],
} as const;

const TOP_FIELDS = ['mode', 'requiredRoles', 'allowedFactors', 'sms', 'stepUpMaxAgeSeconds', 'mfaTokenTtlSeconds'] as const;
const SMS_FIELDS = [...(Object.keys(SMS_BOUNDS) as (keyof typeof SMS_BOUNDS)[]), 'allowedCountries'] as const;
/** The GET shape carries `version`; a client may send it back unchanged, and it is ignored. */
const IGNORED_TOP_FIELDS = ['version'];

/**
 * Checks a whole policy document (a PUT replaces the policy, so nothing may be
 * missing) and returns a clean copy holding only the known fields, or every
 * problem found, each with its field path (`sms.ttlSeconds`, `allowedFactors[2]`).
 * Pure: no I/O, never throws.
 */
export function validatePolicyDocument(input: unknown): PolicyValidationResult {
  const errors: FieldError[] = [];
  if (!isPlainObject(input)) return { ok: false, errors: [{ field: 'body', message: 'must be a JSON object' }] };

  refuseUnknown(input, [...TOP_FIELDS, ...IGNORED_TOP_FIELDS], '', errors);

  const mode = oneOf(input, 'mode', MODES, 'mode', errors);
  const requiredRoles = list(input, 'requiredRoles', ROLES, 0, 'requiredRoles', errors);
  const allowedFactors = list(input, 'allowedFactors', FACTOR_TYPES, 1, 'allowedFactors', errors);
  if (allowedFactors && !allowedFactors.some((f) => ENROLLABLE_FIRST.includes(f))) {
    errors.push({ field: 'allowedFactors', message: `must include one of ${ENROLLABLE_FIRST.join(', ')}` });
  }

  let sms: MfaPolicyDocument['sms'] | undefined;
  const rawSms = own(input, 'sms');
  if (rawSms === undefined) {
    errors.push({ field: 'sms', message: 'is required' });
  } else if (!isPlainObject(rawSms)) {
    errors.push({ field: 'sms', message: 'must be an object' });
  } else {
    refuseUnknown(rawSms, SMS_FIELDS, 'sms.', errors);
    const numbers = {} as Record<keyof typeof SMS_BOUNDS, number | undefined>;
    for (const key of Object.keys(SMS_BOUNDS) as (keyof typeof SMS_BOUNDS)[]) {
      numbers[key] = integer(rawSms, key, SMS_BOUNDS[key], `sms.${key}`, errors);
    }
    const allowedCountries = countries(rawSms, errors);
    if (Object.values(numbers).every((n) => n !== undefined) && allowedCountries) {
      sms = { ...(numbers as Record<keyof typeof SMS_BOUNDS, number>), allowedCountries };
    }
  }

  const stepUpMaxAgeSeconds = integer(input, 'stepUpMaxAgeSeconds', TOP_BOUNDS.stepUpMaxAgeSeconds, 'stepUpMaxAgeSeconds', errors);
  const mfaTokenTtlSeconds = integer(input, 'mfaTokenTtlSeconds', TOP_BOUNDS.mfaTokenTtlSeconds, 'mfaTokenTtlSeconds', errors);

  if (errors.length > 0) return { ok: false, errors };
  // Every field was checked above; with no errors none of them is undefined.
  return {
    ok: true,
    document: {
      mode: mode!,
      requiredRoles: requiredRoles!,
      allowedFactors: allowedFactors!,
      sms: sms!,
      stepUpMaxAgeSeconds: stepUpMaxAgeSeconds!,
      mfaTokenTtlSeconds: mfaTokenTtlSeconds!,
    },
  };
}

type JsonObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own properties only: `constructor` or `__proto__` must never be read off the prototype as if sent. */
function own(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function refuseUnknown(obj: JsonObject, known: readonly string[], prefix: string, errors: FieldError[]): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) errors.push({ field: `${prefix}${key}`, message: 'is not allowed' });
  }
}

function oneOf<T extends string>(obj: JsonObject, key: string, allowed: readonly T[], field: string, errors: FieldError[]): T | undefined {
  const value = own(obj, key);
  if (value === undefined) {
    errors.push({ field, message: 'is required' });
    return undefined;
  }
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    errors.push({ field, message: `must be one of ${allowed.join(', ')}` });
    return undefined;
  }
  return value as T;
}

function integer(obj: JsonObject, key: string, [min, max]: readonly [number, number], field: string, errors: FieldError[]): number | undefined {
  const value = own(obj, key);
  if (value === undefined) {
    errors.push({ field, message: 'is required' });
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    errors.push({ field, message: `must be an integer between ${min} and ${max}` });
    return undefined;
  }
  return value;
}

/** An array of at least `min` distinct values from `allowed`. */
function list<T extends string>(obj: JsonObject, key: string, allowed: readonly T[], min: number, field: string, errors: FieldError[]): T[] | undefined {
  const value = own(obj, key);
  if (value === undefined) {
    errors.push({ field, message: 'is required' });
    return undefined;
  }
  if (!Array.isArray(value)) {
    errors.push({ field, message: 'must be an array' });
    return undefined;
  }
  if (value.length < min) {
    errors.push({ field, message: `must have at least ${entries(min)}` });
    return undefined;
  }
  const isAllowed = (entry: unknown) => typeof entry === 'string' && (allowed as readonly string[]).includes(entry);
  return distinctEntries(value, isAllowed, `must be one of ${allowed.join(', ')}`, field, errors) as T[] | undefined;
}

function countries(sms: JsonObject, errors: FieldError[]): string[] | undefined {
  const field = 'sms.allowedCountries';
  const value = own(sms, 'allowedCountries');
  if (value === undefined) {
    errors.push({ field, message: 'is required' });
    return undefined;
  }
  if (!Array.isArray(value)) {
    errors.push({ field, message: 'must be an array' });
    return undefined;
  }
  if (value.length > MAX_COUNTRIES) {
    errors.push({ field, message: `must have at most ${entries(MAX_COUNTRIES)}` });
    return undefined;
  }
  // Upper case only, as ISO 3166-1 writes them and as phone parsing reports them: `gb` would never match.
  const isCountry = (entry: unknown) => typeof entry === 'string' && isValidIsoCountry(entry);
  return distinctEntries(value, isCountry, 'must be an ISO 3166-1 alpha-2 country code in upper case', field, errors);
}

/** A copy of the entries if each passes `isValid` and none repeats; otherwise the first few problems, by index. */
function distinctEntries(
  value: unknown[],
  isValid: (entry: unknown) => boolean,
  invalidMessage: string,
  field: string,
  errors: FieldError[],
): string[] | undefined {
  const found: FieldError[] = [];
  const seen = new Set<unknown>();
  for (let i = 0; i < value.length && found.length < MAX_ERRORS_PER_LIST; i++) {
    const entry = value[i];
    if (!isValid(entry)) found.push({ field: `${field}[${i}]`, message: invalidMessage });
    else if (seen.has(entry)) found.push({ field: `${field}[${i}]`, message: 'is a duplicate' });
    else seen.add(entry);
  }
  errors.push(...found);
  return found.length === 0 ? (value as string[]).slice() : undefined;
}

function entries(n: number): string {
  return `${n} ${n === 1 ? 'entry' : 'entries'}`;
}
