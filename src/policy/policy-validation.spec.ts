import { DEFAULT_MFA_POLICY } from './mfa-policy.js';
import { validatePolicyDocument, type MfaPolicyDocument } from './policy-validation.js';

/** A complete, valid document (the default), fresh for every test so one test cannot change another's. */
function validDocument(): MfaPolicyDocument & Record<string, unknown> {
  const { version: _version, ...document } = structuredClone(DEFAULT_MFA_POLICY);
  return document;
}

/** The document with one field set (or, given `undefined`, removed) by dotted path. */
function withField(path: string, value: unknown): Record<string, unknown> {
  const document: Record<string, unknown> = validDocument();
  const keys = path.split('.');
  let node = document;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return document;
}

function errorsOf(input: unknown) {
  const result = validatePolicyDocument(input);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.document)}`);
  return result.errors;
}

function fieldsOf(input: unknown): string[] {
  return errorsOf(input).map((e) => e.field);
}

describe('validatePolicyDocument', () => {
  describe('accepts', () => {
    it('the default document and returns an equal copy', () => {
      const input = validDocument();
      const result = validatePolicyDocument(input);
      expect(result).toEqual({ ok: true, document: validDocument() });
      if (result.ok) expect(result.document).not.toBe(input);
    });

    it('a document with every field changed, round trip', () => {
      const document: MfaPolicyDocument = {
        mode: 'required',
        requiredRoles: [],
        allowedFactors: ['webauthn', 'totp'],
        sms: {
          codeLength: 10,
          ttlSeconds: 60,
          maxAttempts: 1,
          resendCooldownSeconds: 3600,
          maxResends: 0,
          maxSendsPerHourPerUser: 100,
          allowedCountries: ['GB', 'FR', 'GG'],
        },
        stepUpMaxAgeSeconds: 86_400,
        mfaTokenTtlSeconds: 60,
      };
      const result = validatePolicyDocument(JSON.parse(JSON.stringify(document)));
      expect(result).toEqual({ ok: true, document });
    });

    it('the GET shape: `version` is ignored and not part of the result', () => {
      const result = validatePolicyDocument({ ...validDocument(), version: 41 });
      expect(result.ok).toBe(true);
      if (result.ok) expect(result.document).not.toHaveProperty('version');
      expect(validatePolicyDocument({ ...validDocument(), version: 'anything' }).ok).toBe(true);
    });

    it('each bound at its edges', () => {
      const edges: Array<[string, number]> = [
        ['sms.codeLength', 6],
        ['sms.codeLength', 10],
        ['sms.ttlSeconds', 60],
        ['sms.ttlSeconds', 600],
        ['sms.maxAttempts', 1],
        ['sms.maxAttempts', 10],
        ['sms.resendCooldownSeconds', 0],
        ['sms.resendCooldownSeconds', 3600],
        ['sms.maxResends', 0],
        ['sms.maxResends', 10],
        ['sms.maxSendsPerHourPerUser', 1],
        ['sms.maxSendsPerHourPerUser', 100],
        ['stepUpMaxAgeSeconds', 60],
        ['stepUpMaxAgeSeconds', 86_400],
        ['mfaTokenTtlSeconds', 60],
        ['mfaTokenTtlSeconds', 900],
      ];
      for (const [path, value] of edges) {
        expect({ path, value, ok: validatePolicyDocument(withField(path, value)).ok }).toEqual({ path, value, ok: true });
      }
    });

    it('every mode', () => {
      for (const mode of ['off', 'optional', 'required']) expect(validatePolicyDocument(withField('mode', mode)).ok).toBe(true);
    });

    it('an empty allowedCountries (every country)', () => {
      expect(validatePolicyDocument(withField('sms.allowedCountries', [])).ok).toBe(true);
    });
  });

  describe('the document as a whole', () => {
    it.each([null, undefined, 'policy', 42, true, [], [validDocument()]])('refuses a body that is not an object: %j', (input) => {
      expect(errorsOf(input)).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
    });

    it('refuses an empty object, naming every missing field', () => {
      expect(fieldsOf({})).toEqual(['mode', 'requiredRoles', 'allowedFactors', 'sms', 'stepUpMaxAgeSeconds', 'mfaTokenTtlSeconds']);
      expect(errorsOf({})).toContainEqual({ field: 'sms', message: 'is required' });
    });

    it.each(['mode', 'requiredRoles', 'allowedFactors', 'sms', 'stepUpMaxAgeSeconds', 'mfaTokenTtlSeconds'])(
      'refuses a document without %s (a PUT replaces the whole policy)',
      (field) => {
        expect(errorsOf(withField(field, undefined))).toEqual([{ field, message: 'is required' }]);
      },
    );

    it.each(['codeLength', 'ttlSeconds', 'maxAttempts', 'resendCooldownSeconds', 'maxResends', 'maxSendsPerHourPerUser', 'allowedCountries'])(
      'refuses an sms section without %s',
      (field) => {
        expect(errorsOf(withField(`sms.${field}`, undefined))).toEqual([{ field: `sms.${field}`, message: 'is required' }]);
      },
    );

    it('refuses null where a value is needed', () => {
      expect(fieldsOf(withField('mode', null))).toEqual(['mode']);
      expect(fieldsOf(withField('sms.codeLength', null))).toEqual(['sms.codeLength']);
    });

    it('refuses unknown top-level fields', () => {
      expect(errorsOf({ ...validDocument(), foo: 1 })).toEqual([{ field: 'foo', message: 'is not allowed' }]);
    });

    it('refuses unknown sms fields', () => {
      expect(errorsOf(withField('sms.foo', 'bar'))).toEqual([{ field: 'sms.foo', message: 'is not allowed' }]);
    });

    it('refuses __proto__ and constructor as unknown fields, and never reads fields off the prototype', () => {
      const input = JSON.parse(`{"__proto__": {"mode": "off"}, "constructor": 1}`);
      expect(fieldsOf(input)).toEqual(expect.arrayContaining(['__proto__', 'constructor', 'mode']));
    });

    it('refuses an sms section that is not an object', () => {
      for (const sms of ['sms', 6, [], null]) {
        expect(errorsOf(withField('sms', sms))).toEqual([{ field: 'sms', message: 'must be an object' }]);
      }
    });

    it('reports every problem at once', () => {
      const input = withField('mode', 'sometimes');
      input.extra = true;
      (input.sms as Record<string, unknown>).ttlSeconds = 601;
      expect(fieldsOf(input).sort()).toEqual(['extra', 'mode', 'sms.ttlSeconds']);
    });
  });

  describe('mode', () => {
    it.each(['', 'OFF', 'always', 1, true, ['off']])('refuses %j', (mode) => {
      expect(errorsOf(withField('mode', mode))).toEqual([{ field: 'mode', message: 'must be one of off, optional, required' }]);
    });
  });

  describe('requiredRoles', () => {
    it('accepts none or admin', () => {
      expect(validatePolicyDocument(withField('requiredRoles', [])).ok).toBe(true);
      expect(validatePolicyDocument(withField('requiredRoles', ['admin'])).ok).toBe(true);
    });
    it('refuses an unknown role, with its index', () => {
      expect(errorsOf(withField('requiredRoles', ['admin', 'root']))).toEqual([{ field: 'requiredRoles[1]', message: 'must be one of admin' }]);
    });
    it('refuses a role that is not a string', () => {
      expect(fieldsOf(withField('requiredRoles', [7]))).toEqual(['requiredRoles[0]']);
    });
    it('refuses a duplicate role', () => {
      expect(errorsOf(withField('requiredRoles', ['admin', 'admin']))).toEqual([{ field: 'requiredRoles[1]', message: 'is a duplicate' }]);
    });
    it('refuses a value that is not an array', () => {
      expect(errorsOf(withField('requiredRoles', 'admin'))).toEqual([{ field: 'requiredRoles', message: 'must be an array' }]);
    });
  });

  describe('allowedFactors', () => {
    it('refuses an empty list', () => {
      expect(errorsOf(withField('allowedFactors', []))).toEqual([{ field: 'allowedFactors', message: 'must have at least 1 entry' }]);
    });
    it('refuses an unknown factor type, with its index', () => {
      expect(errorsOf(withField('allowedFactors', ['sms', 'totp', 'email']))).toEqual([
        { field: 'allowedFactors[2]', message: 'must be one of sms, totp, webauthn, recovery_code' },
      ]);
    });
    it('refuses a factor type in the wrong case or of the wrong type', () => {
      expect(fieldsOf(withField('allowedFactors', ['SMS', 1, null]))).toEqual(['allowedFactors[0]', 'allowedFactors[1]', 'allowedFactors[2]']);
    });
    it('refuses a duplicate, naming the repeated entry', () => {
      expect(errorsOf(withField('allowedFactors', ['sms', 'totp', 'sms']))).toEqual([{ field: 'allowedFactors[2]', message: 'is a duplicate' }]);
    });
    it('reports at most ten problems of a long list', () => {
      const fields = fieldsOf(withField('allowedFactors', Array(1000).fill('sms')));
      expect(fields).toEqual(Array.from({ length: 10 }, (_, i) => `allowedFactors[${i + 1}]`));
    });
    it('refuses recovery codes alone: nobody could enrol a first factor', () => {
      expect(errorsOf(withField('allowedFactors', ['recovery_code']))).toEqual([
        { field: 'allowedFactors', message: 'must include one of sms, totp, webauthn' },
      ]);
    });
    it('refuses a value that is not an array', () => {
      expect(errorsOf(withField('allowedFactors', 'sms'))).toEqual([{ field: 'allowedFactors', message: 'must be an array' }]);
    });
    it('accepts any single enrollable factor', () => {
      for (const factor of ['sms', 'totp', 'webauthn']) expect(validatePolicyDocument(withField('allowedFactors', [factor])).ok).toBe(true);
    });
  });

  describe('integer bounds', () => {
    const bounds: Array<[string, number, number]> = [
      ['sms.codeLength', 6, 10],
      ['sms.ttlSeconds', 60, 600],
      ['sms.maxAttempts', 1, 10],
      ['sms.resendCooldownSeconds', 0, 3600],
      ['sms.maxResends', 0, 10],
      ['sms.maxSendsPerHourPerUser', 1, 100],
      ['stepUpMaxAgeSeconds', 60, 86_400],
      ['mfaTokenTtlSeconds', 60, 900],
    ];

    it.each(bounds)('%s refuses values just outside %i–%i', (path, min, max) => {
      const message = `must be an integer between ${min} and ${max}`;
      expect(errorsOf(withField(path, min - 1))).toEqual([{ field: path, message }]);
      expect(errorsOf(withField(path, max + 1))).toEqual([{ field: path, message }]);
    });

    it.each(bounds)('%s refuses non-integers', (path, min) => {
      for (const value of [min + 0.5, `${min}`, true, [min], { value: min }, Number.NaN, Infinity]) {
        expect({ value, fields: fieldsOf(withField(path, value)) }).toEqual({ value, fields: [path] });
      }
    });
  });

  describe('sms.allowedCountries', () => {
    const field = 'sms.allowedCountries';
    it('refuses a code that is not ISO 3166-1 alpha-2, with its index', () => {
      expect(errorsOf(withField(field, ['GB', 'XX']))).toEqual([
        { field: 'sms.allowedCountries[1]', message: 'must be an ISO 3166-1 alpha-2 country code in upper case' },
      ]);
    });
    it('refuses lower case, alpha-3, numeric codes and non-strings', () => {
      expect(fieldsOf(withField(field, ['gb', 'GBR', '826', 44, null]))).toEqual([0, 1, 2, 3, 4].map((i) => `${field}[${i}]`));
    });
    it('refuses duplicates', () => {
      expect(errorsOf(withField(field, ['GB', 'FR', 'GB']))).toEqual([{ field: 'sms.allowedCountries[2]', message: 'is a duplicate' }]);
    });
    it('refuses more than 250 entries without looking at each', () => {
      expect(errorsOf(withField(field, Array(251).fill('GB')))).toEqual([{ field, message: 'must have at most 250 entries' }]);
    });
    it('refuses a value that is not an array', () => {
      expect(errorsOf(withField(field, 'GB'))).toEqual([{ field, message: 'must be an array' }]);
    });
  });
});

describe('validatePolicyDocument: rules', () => {
  const adminRule = () => ({
    name: 'admins',
    match: { roles: ['admin'] },
    mode: 'required',
    allowedFactors: ['webauthn', 'totp'],
    stepUpMaxAgeSeconds: 300,
  });
  const withRules = (rules: unknown) => ({ ...validDocument(), rules });

  it('accepts today’s shape without rules and keeps it so (no rules added)', () => {
    const result = validatePolicyDocument(validDocument());
    expect(result.ok && 'rules' in result.document).toBe(false);
  });
  it('accepts ordered rules matching roles, groups and user ids, with minFactors, round trip', () => {
    const rules = [
      adminRule(),
      { name: 'finance', match: { groups: ['finance', 'ops.eu'], userIds: ['0b6f2c1e-8d4a-4f7e-9a51-3c2d1e0f9a87'] }, mode: 'optional', allowedFactors: ['sms', 'totp'], minFactors: 2, stepUpMaxAgeSeconds: 600 },
    ];
    expect(validatePolicyDocument(withRules(rules))).toEqual({ ok: true, document: { ...validDocument(), rules } });
  });
  it('accepts minFactors on the default rule', () => {
    expect(validatePolicyDocument({ ...validDocument(), minFactors: 2 }).ok).toBe(true);
  });
  it('refuses a rule that matches nobody', () => {
    expect(errorsOf(withRules([{ ...adminRule(), match: {} }]))).toEqual([
      { field: 'rules[0].match', message: 'must name at least one role, group or user id (the default rule is the document itself)' },
    ]);
  });
  it('refuses repeated names and the name of the default rule', () => {
    expect(errorsOf(withRules([adminRule(), adminRule()]))).toEqual([{ field: 'rules[1].name', message: 'is a duplicate' }]);
    expect(fieldsOf(withRules([{ ...adminRule(), name: 'default' }]))).toEqual(['rules[0].name']);
  });
  it('refuses bad entries by path: group names, user ids, factor types, bounds, unknown fields', () => {
    expect(
      fieldsOf(
        withRules([
          {
            ...adminRule(),
            match: { groups: ['Finance'], userIds: ['not-a-uuid'] },
            allowedFactors: ['email'],
            stepUpMaxAgeSeconds: 10,
            minFactors: 4,
            extra: true,
          },
        ]),
      ).sort(),
    ).toEqual(
      ['rules[0].allowedFactors[0]', 'rules[0].extra', 'rules[0].match.groups[0]', 'rules[0].match.userIds[0]', 'rules[0].minFactors', 'rules[0].stepUpMaxAgeSeconds'].sort(),
    );
  });
  it('refuses a missing rule field and a list that is not an array', () => {
    const { mode: _mode, ...noMode } = adminRule();
    expect(errorsOf(withRules([noMode]))).toEqual([{ field: 'rules[0].mode', message: 'is required' }]);
    expect(errorsOf(withRules({}))).toEqual([{ field: 'rules', message: 'must be an array' }]);
  });
  it('refuses more than 50 rules', () => {
    const rules = Array.from({ length: 51 }, (_, i) => ({ ...adminRule(), name: `r${i}` }));
    expect(errorsOf(withRules(rules))).toEqual([{ field: 'rules', message: 'must have at most 50 entries' }]);
  });
});
