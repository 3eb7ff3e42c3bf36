import { z } from 'zod';
import type { FieldError } from '../common/errors/problem.exception.js';
import { FACTOR_TYPES, type FactorType } from '../vocabulary/factor-type.js';
import { isValidIsoCountry } from '../sms/phone-number.js';
import { isGroupName, MAX_GROUPS_PER_USER } from '../vocabulary/group.js';
import { DEFAULT_RULE_NAME } from './policy-rules.js';
import type { MfaPolicy } from './mfa-policy.js';

/** The policy as an admin writes it: everything but the version, which the server assigns. */
export type MfaPolicyDocument = Omit<MfaPolicy, 'version'>;

export type PolicyValidationResult = { ok: true; document: MfaPolicyDocument } | { ok: false; errors: FieldError[] };

const MODES = ['off', 'optional', 'required'] as const satisfies readonly MfaPolicy['mode'][];
const ROLES = ['admin'] as const satisfies readonly MfaPolicy['requiredRoles'][number][];
/** Mirrors the login flow: a recovery code is never enrolled on its own, so it cannot be the only factor. */
const ENROLLABLE_FIRST: readonly FactorType[] = ['sms', 'totp', 'webauthn'];
/** ISO 3166-1 has fewer than 250 officially assigned alpha-2 codes. */
const MAX_COUNTRIES = 250;
/** Rules are read top to bottom by an admin and on every login, in memory: a short list. */
const MAX_RULES = 50;
/** Explicit user ids are for exceptions; a larger population belongs in a group. */
const MAX_RULE_USER_IDS = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A list of a thousand bad entries gets a readable answer, not a thousand errors. */
const MAX_ERRORS_PER_LIST = 10;

/** A missing field says so; any other wrong value gets `message`. */
const requiredOr =
  (message: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? 'is required' : message;

/**
 * The bounds of api.md ("Policy document"). They keep an admin from setting
 * values that would weaken the second factor below what security.md accepts
 * (a 4-digit or hour-long SMS code, unlimited guesses) or lock users out (a
 * 10-second code, a step-up window too short to complete).
 */
function integer(min: number, max: number) {
  const message = `must be an integer between ${min} and ${max}`;
  return z.int({ error: requiredOr(message) }).min(min, { error: message }).max(max, { error: message });
}

function entries(n: number): string {
  return `${n} ${n === 1 ? 'entry' : 'entries'}`;
}

/**
 * An array of distinct entries, each valid by `entry`. A repeat is reported
 * at its index ("is a duplicate"); an entry already refused is not also
 * counted as a repeat, and a list refused as a whole (too short, too long) is
 * not looked at entry by entry.
 */
function distinctList<T extends z.ZodType>(entry: T, bounds: { min?: number; max?: number } = {}) {
  let list = z.array(entry, { error: requiredOr('must be an array') });
  if (bounds.min !== undefined) list = list.min(bounds.min, { error: `must have at least ${entries(bounds.min)}` });
  if (bounds.max !== undefined) list = list.max(bounds.max, { error: `must have at most ${entries(bounds.max)}` });
  return list.check(
    z.superRefine(
      (values, ctx) => {
        const refused = new Set(ctx.issues.map((issue) => issue.path?.[0]));
        const seen = new Set<unknown>();
        values.forEach((value, index) => {
          if (refused.has(index)) return;
          if (seen.has(value)) ctx.addIssue({ code: 'custom', path: [index], message: 'is a duplicate' });
          seen.add(value);
        });
      },
      // Entry issues carry their index; an issue without a path is about the list itself.
      { when: (payload) => payload.issues.every((issue) => (issue.path?.length ?? 0) > 0) },
    ),
  );
}

const smsSchema = z.strictObject(
  {
    codeLength: integer(6, 10),
    ttlSeconds: integer(60, 600),
    maxAttempts: integer(1, 10),
    resendCooldownSeconds: integer(0, 3600),
    maxResends: integer(0, 10),
    maxSendsPerHourPerUser: integer(1, 100),
    // Upper case only, as ISO 3166-1 writes them and as phone parsing reports them: `gb` would never match.
    allowedCountries: distinctList(
      z
        .string({ error: 'must be an ISO 3166-1 alpha-2 country code in upper case' })
        .refine(isValidIsoCountry, { error: 'must be an ISO 3166-1 alpha-2 country code in upper case' }),
      { max: MAX_COUNTRIES },
    ),
  },
  { error: requiredOr('must be an object') },
);

const modeSchema = z.enum(MODES, { error: requiredOr(`must be one of ${MODES.join(', ')}`) });
const allowedFactorsSchema = distinctList(z.enum(FACTOR_TYPES, { error: `must be one of ${FACTOR_TYPES.join(', ')}` }), { min: 1 }).refine(
  (factors) => factors.some((factor) => ENROLLABLE_FIRST.includes(factor)),
  { error: `must include one of ${ENROLLABLE_FIRST.join(', ')}`, when: (payload) => payload.issues.length === 0 },
);
const stepUpSchema = integer(60, 86_400);
const minFactorsSchema = integer(1, 3).optional();
/** Up to a quarter: a grace period is a deadline, not a way to leave MFA off. */
const graceSchema = z
  .strictObject({ days: integer(1, 90).optional(), logins: integer(1, 100).optional() }, { error: requiredOr('must be an object') })
  .refine((grace) => grace.days !== undefined || grace.logins !== undefined, {
    error: 'must set days, logins or both',
    when: (payload) => payload.issues.length === 0,
  })
  .optional();

const matchSchema = z
  .strictObject(
    {
      roles: distinctList(z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` })).optional(),
      groups: distinctList(
        z.string({ error: 'must be a group name' }).refine(isGroupName, { error: 'must be a group name (a-z, 0-9, . _ -, up to 64)' }),
        { max: MAX_GROUPS_PER_USER },
      ).optional(),
      userIds: distinctList(
        z.string({ error: 'must be a user id (UUID)' }).regex(UUID, { error: 'must be a user id (UUID)' }),
        { max: MAX_RULE_USER_IDS },
      ).optional(),
    },
    { error: requiredOr('must be an object') },
  )
  .refine((match) => (match.roles?.length ?? 0) + (match.groups?.length ?? 0) + (match.userIds?.length ?? 0) > 0, {
    error: 'must name at least one role, group or user id (the default rule is the document itself)',
    when: (payload) => payload.issues.length === 0,
  });

const ruleSchema = z.strictObject(
  {
    name: z
      .string({ error: requiredOr('must be a string of 1 to 64 characters') })
      .min(1, { error: 'must be a string of 1 to 64 characters' })
      .max(64, { error: 'must be a string of 1 to 64 characters' })
      .refine((name) => name !== DEFAULT_RULE_NAME, { error: `"${DEFAULT_RULE_NAME}" names the document's own rule` }),
    match: matchSchema,
    mode: modeSchema,
    allowedFactors: allowedFactorsSchema,
    minFactors: minFactorsSchema,
    stepUpMaxAgeSeconds: stepUpSchema,
    enrollmentGrace: graceSchema,
  },
  { error: 'must be an object' },
);

/** Names identify a rule in the dry run, the effective policy and the history, so each is used once. */
const rulesSchema = z
  .array(ruleSchema, { error: 'must be an array' })
  .max(MAX_RULES, { error: `must have at most ${entries(MAX_RULES)}` })
  .check(
    z.superRefine(
      (rules, ctx) => {
        const seen = new Set<string>();
        rules.forEach((rule, index) => {
          if (seen.has(rule.name)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: 'is a duplicate' });
          seen.add(rule.name);
        });
      },
      { when: (payload) => payload.issues.length === 0 },
    ),
  );

/**
 * A whole policy document: a PUT replaces the policy, so nothing may be
 * missing, and a field the server does not know is refused rather than
 * dropped. The GET shape carries `version`; a client may send it back
 * unchanged, and it is ignored.
 */
const policyDocumentSchema = z
  .strictObject(
    {
      version: z.unknown().optional(),
      mode: modeSchema,
      requiredRoles: distinctList(z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` })),
      allowedFactors: allowedFactorsSchema,
      minFactors: minFactorsSchema,
      enrollmentGrace: graceSchema,
      sms: smsSchema,
      stepUpMaxAgeSeconds: stepUpSchema,
      mfaTokenTtlSeconds: integer(60, 900),
      rules: rulesSchema.optional(),
    },
    { error: 'must be a JSON object' },
  )
  .transform(({ version: _ignored, ...document }): MfaPolicyDocument => document);

/**
 * Checks a whole policy document and returns a clean copy holding only the
 * known fields, or every problem found, each with its field path
 * (`sms.ttlSeconds`, `allowedFactors[2]`; `body` for the document itself).
 * Pure: no I/O, never throws.
 */
export function validatePolicyDocument(input: unknown): PolicyValidationResult {
  const result = policyDocumentSchema.safeParse(input);
  return result.success ? { ok: true, document: result.data } : { ok: false, errors: toFieldErrors(result.error.issues) };
}

/**
 * One FieldError per problem: an unknown key is named by its own path, and
 * the problems of one list's entries are given in index order, at most
 * MAX_ERRORS_PER_LIST of them, where that list's first problem was found.
 */
function toFieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  const out: Array<FieldError | { index: number; error: FieldError }[]> = [];
  const lists = new Map<string, { index: number; error: FieldError }[]>();
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: fieldPath([...issue.path, key]), message: 'is not allowed' });
      continue;
    }
    const error = { field: fieldPath(issue.path), message: issue.message };
    const index = issue.path.at(-1);
    if (typeof index !== 'number') {
      out.push(error);
      continue;
    }
    const list = fieldPath(issue.path.slice(0, -1));
    let entryErrors = lists.get(list);
    if (!entryErrors) {
      entryErrors = [];
      lists.set(list, entryErrors);
      out.push(entryErrors);
    }
    entryErrors.push({ index, error });
  }
  return out.flatMap((item) =>
    Array.isArray(item) ? item.sort((a, b) => a.index - b.index).slice(0, MAX_ERRORS_PER_LIST).map((entry) => entry.error) : [item],
  );
}

/** `sms.allowedCountries[3]`; the document itself is `body`. */
function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'body';
  return path.map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : `${i === 0 ? '' : '.'}${String(segment)}`)).join('');
}
