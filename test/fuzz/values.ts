import fc from 'fast-check';

/**
 * What a fuzz case carries before it is sent. Cases are generated from a
 * seed, before the run knows its tokens and ids, so values the server hands
 * out (ids, refresh tokens, cursors) are symbols resolved at send time.
 * Objects are entry lists, so a case can hold `__proto__` or a duplicated
 * key exactly as an attacker would write them in JSON.
 */
export type Value = string | number | boolean | null | Raw | Sym | Obj | Value[];

/** A JSON fragment sent verbatim: overlong numbers, `1e999`, broken syntax. */
export class Raw {
  constructor(readonly json: string) {}
}

export class Obj {
  constructor(readonly entries: Array<[string, Value]>) {}
}

export type SymKind = 'knownId' | 'userId' | 'freshEmail' | 'userEmail' | 'refreshToken' | 'cursor' | 'now' | 'phone';

/** A value chosen at send time from what the run has seen: `n` picks one of them. */
export class Sym {
  constructor(
    readonly kind: SymKind,
    readonly n: number,
  ) {}
}

export type Resolve = (sym: Sym) => string;

/** JSON text of a value. Lone surrogates leave as `\udXXX` escapes (JSON.stringify is well-formed since ES2019). */
export function toJson(value: Value, resolve: Resolve): string {
  if (value instanceof Raw) return value.json;
  if (value instanceof Sym) return JSON.stringify(resolve(value));
  if (value instanceof Obj) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v, resolve)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map((v) => toJson(v, resolve)).join(',')}]`;
  return JSON.stringify(value) ?? 'null';
}

/** The value as a plain string, for query and path parameters. */
export function toText(value: Value, resolve: Resolve): string {
  if (typeof value === 'string') return value;
  if (value instanceof Sym) return resolve(value);
  if (value instanceof Raw) return value.json;
  return toJson(value, resolve);
}

/**
 * Percent-encoding that never throws: encodeURIComponent refuses lone
 * surrogates, so they are sent as the bytes of their (invalid) UTF-8 form.
 */
export function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += `%${(0xe0 | (code >> 12)).toString(16).toUpperCase()}%${(0x80 | ((code >> 6) & 0x3f)).toString(16).toUpperCase()}%${(0x80 | (code & 0x3f)).toString(16).toUpperCase()}`;
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Hostile values

const LONE_SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff'];
const CONTROL = ['\u0000', '\u0001', '\u0007', '\b', '\t', '\n', '\r', '\u000b', '\u001b', '\u001f', '\u007f', '\u0085', '\u00a0', '\u200b', '\u200e', '\u202e', '\u2028', '\u2029', '\ufeff', '\ufffe', '\uffff'];
const UNICODE_SAMPLES = [
  'ｅｘａｍｐｌｅ＠ｅｘａｍｐｌｅ．ｃｏｍ',
  'İstanbul@example.com',
  'straße@example.com',
  'ﬁle@example.com',
  'a\u0301\u0301\u0301\u0301',
  '😀'.repeat(40),
  'ℌ𝔢𝔩𝔩𝔬',
  '\u202egnp.exe',
  'Ω≈ç√∫˜µ≤≥÷',
  'ǅǈǋ',
  '표준 한국어',
  'مرحبا',
  '\u{10ffff}',
  '١٢٣٤٥٦',
  '𝟏𝟐𝟑𝟒𝟓𝟔',
  '①②③④⑤⑥',
];
const INJECTION = ["' OR '1'='1", '"; DROP TABLE users; --', '%', '_', '\\', '%_%', '${7*7}', '{{7*7}}', '<script>alert(1)</script>', '../../../../etc/passwd', 'null', 'undefined', 'NaN', 'true', '[]', '{}'];

/** Any UTF-16 code units, lone surrogates and NUL included. */
const anyCodeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 24 });

const around = (middle: fc.Arbitrary<string>) =>
  fc.tuple(fc.string({ maxLength: 6 }), middle, fc.string({ maxLength: 6 })).map(([a, m, b]) => a + m + b);

export const surrogateString = around(fc.constantFrom(...LONE_SURROGATES));
export const controlString = around(fc.constantFrom(...CONTROL));
export const nulString = around(fc.constant('\u0000'));
export const unicodeString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.constantFrom(...UNICODE_SAMPLES),
  anyCodeUnits,
);
export const injectionString = fc.constantFrom(...INJECTION);

const LENGTHS = [0, 1, 7, 8, 31, 32, 33, 63, 64, 65, 127, 128, 129, 253, 254, 255, 256, 511, 512, 513, 1024, 4096, 20_000];
/** Strings at the lengths limits are usually set at, and either side of the field's own limits. */
export function boundaryString(limits: number[] = []): fc.Arbitrary<string> {
  const lengths = [...new Set([...LENGTHS, ...limits.flatMap((n) => [n - 1, n, n + 1]).filter((n) => n >= 0)])];
  return fc.tuple(fc.constantFrom(...lengths), fc.constantFrom('x', '7', 'é', '😀', ' ')).map(([n, ch]) => ch.repeat(n));
}

/** Numbers JSON can write but JavaScript or Postgres cannot hold exactly (or at all). */
export const overlongNumber: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom('1e309', '-1e309', '1e-400', '9'.repeat(400), '-' + '9'.repeat(40), '123456789012345678901234567890', '18446744073709551616', '9223372036854775808', '9007199254740993', '2147483648', '-2147483649', '-0', '0.1e1', '1E+2', '0e0', '6.02e23', '4.9e-324').map((t) => new Raw(t)),
  fc.bigInt({ min: -(10n ** 60n), max: 10n ** 60n }).map((n) => new Raw(String(n))),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 31, -(2 ** 31) - 1, 2 ** 63, 0, -1, 0.5),
);

const plainJson: fc.Arbitrary<Value> = fc.jsonValue({ maxDepth: 3 }).map(fromPlain);

/** A value of some other type than the field expects. */
export const wrongType: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constant<Value>([]),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.constant(new Obj([])),
  fc.constant(new Obj([['$ne', null]])),
  fc.constant(new Obj([['$gt', '']])),
  fc.constant(new Obj([['__proto__', new Obj([['admin', true]])]])),
  plainJson,
);

/** Any hostile value: what a field gets when the fuzzer is not aiming at one rule. */
export const hostileValue: fc.Arbitrary<Value> = fc.oneof(
  { arbitrary: wrongType, weight: 3 },
  { arbitrary: surrogateString, weight: 2 },
  { arbitrary: nulString, weight: 2 },
  { arbitrary: controlString, weight: 2 },
  { arbitrary: unicodeString, weight: 3 },
  { arbitrary: injectionString, weight: 1 },
  { arbitrary: boundaryString(), weight: 2 },
  { arbitrary: overlongNumber, weight: 2 },
);

export function fromPlain(value: unknown): Value {
  if (Array.isArray(value)) return value.map(fromPlain);
  if (value !== null && typeof value === 'object') return new Obj(Object.entries(value).map(([k, v]) => [k, fromPlain(v)]));
  return value as Value;
}

/** Every path to a leaf or container inside a body: `[]` is the body itself. */
export function pathsOf(value: Value, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (value instanceof Obj) value.entries.forEach(([k, v]) => out.push(...pathsOf(v, [...prefix, k])));
  else if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  return out;
}

/** The paths of the objects inside a body (the body itself first, when it is one). */
export function objectPathsOf(value: Value): Array<Array<string | number>> {
  const paths = pathsOf(value);
  return paths.filter((path) => valueAt(value, path) instanceof Obj);
}

function valueAt(root: Value, path: Array<string | number>): Value | undefined {
  let node: Value | undefined = root;
  for (const step of path) {
    if (node instanceof Obj) node = node.entries.find(([k]) => k === step)?.[1];
    else if (Array.isArray(node) && typeof step === 'number') node = node[step];
    else return undefined;
  }
  return node;
}

/** A copy of `root` with the node at `path` replaced (`undefined` removes it). */
export function setAt(root: Value, path: Array<string | number>, replacement: Value | undefined): Value {
  if (path.length === 0) return replacement ?? null;
  const [head, ...rest] = path;
  if (root instanceof Obj) {
    const entries: Array<[string, Value]> = [];
    for (const [k, v] of root.entries) {
      if (k !== head) entries.push([k, v]);
      else if (rest.length > 0) entries.push([k, setAt(v, rest, replacement)]);
      else if (replacement !== undefined) entries.push([k, replacement]);
    }
    return new Obj(entries);
  }
  if (Array.isArray(root) && typeof head === 'number') {
    const copy = [...root];
    if (rest.length > 0) copy[head] = setAt(copy[head], rest, replacement);
    else if (replacement !== undefined) copy[head] = replacement;
    else copy.splice(head, 1);
    return copy;
  }
  return root;
}

/** `root` with one more member added to the object at `path` (or to the body). */
export function addAt(root: Value, path: Array<string | number>, key: string, value: Value): Value {
  if (path.length === 0) return root instanceof Obj ? new Obj([...root.entries, [key, value]]) : root;
  const [head, ...rest] = path;
  if (root instanceof Obj) return new Obj(root.entries.map(([k, v]) => [k, k === head ? addAt(v, rest, key, value) : v]));
  if (Array.isArray(root) && typeof head === 'number') return root.map((v, i) => (i === head ? addAt(v, rest, key, value) : v));
  return root;
}
