import { Injectable, ValidationPipe, type ArgumentMetadata, type PipeTransform, type ValidationError } from '@nestjs/common';
import { validationFailed, type FieldError } from '../errors/problem.exception.js';

/**
 * Whitelist validation for every body and query (security.md: unknown fields
 * are refused). A body that is not a JSON object (an array, a string, null)
 * is refused before class-validator sees it.
 *
 * Before any of that, every string in a body, query or path parameter —
 * whatever its handler declares, a DTO or not — must be text Postgres can
 * store: no U+0000 (text columns cannot hold it) and no lone surrogate (it
 * has no UTF-8 form; validators that re-encode it, such as isEmail's
 * byte-length check, throw). This is the one place that rule is enforced.
 */
@Injectable()
export class StrictValidationPipe implements PipeTransform {
  private readonly inner = new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationError[]) => validationFailed(flatten(errors)),
  });

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const bad = firstUnacceptableInput(value, metadata.data ?? '');
      if (bad) throw validationFailed([bad]);
    }
    if (metadata.type === 'body' && metadata.metatype && isDtoClass(metadata.metatype)) {
      if (value === undefined) value = {};
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw validationFailed([{ field: 'body', message: 'must be a JSON object' }]);
      }
      if (nestedDeeperThan(value, MAX_DEPTH)) {
        throw validationFailed([{ field: 'body', message: `is nested deeper than ${MAX_DEPTH} levels` }]);
      }
    }
    return this.inner.transform(value, metadata);
  }
}

/** No request of the contract nests deeper; deeper input only exercises recursion in the validators. */
const MAX_DEPTH = 8;

function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** U+0000, or a surrogate that is not half of a pair (in `u` mode a pair is one code point, so only lone halves match). */
// eslint-disable-next-line no-control-regex -- finding U+0000 is the point of this pattern
const UNSTORABLE = /\u0000|\p{Cs}/u;

/**
 * Names no field of the contract has: `__proto__`, `constructor`,
 * `prototype` and the other members of Object.prototype (`toString`,
 * `valueOf`, …). Their only use in a request is prototype pollution, and
 * class-transformer drops them silently (a key whose value on the instance
 * is a function is skipped), so the whitelist would never see them.
 */
const PROTOTYPE_KEYS = new Set(['prototype', ...Object.getOwnPropertyNames(Object.prototype)]);

/**
 * The first string (a value or a key) anywhere in `value` that Postgres
 * cannot store, or a prototype-polluting key, as a field error naming its
 * path (`credential.response.id`, `allowedFactors[2]`). Iterative, so no
 * nesting depth can exhaust the stack.
 */
export function firstUnacceptableInput(value: unknown, root: string): FieldError | null {
  const stack: Array<[unknown, string]> = [[value, root]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'string') {
      const found = UNSTORABLE.exec(node);
      if (found) return { field: shortened(path || 'body'), message: problemWith(found[0], 'the value') };
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], `${path}[${i}]`]);
      continue;
    }
    for (const [key, child] of Object.entries(node).reverse()) {
      const childPath = path ? `${path}.${printable(key)}` : printable(key);
      const found = UNSTORABLE.exec(key);
      if (found) return { field: shortened(childPath), message: problemWith(found[0], 'its name') };
      if (PROTOTYPE_KEYS.has(key)) return { field: shortened(childPath), message: 'is not allowed' };
      stack.push([child, childPath]);
    }
  }
  return null;
}

function problemWith(character: string, where: 'the value' | 'its name'): string {
  const rule = character === '\u0000' ? 'must not contain NUL characters' : 'must be well-formed Unicode (no lone surrogates)';
  return where === 'the value' ? rule : `${rule} in its name`;
}

/** A path through thousands of nested arrays is no help to anyone: keep its start. */
function shortened(path: string): string {
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

/** A field name fit to echo back in the error: the offending characters replaced by U+FFFD. */
function printable(key: string): string {
  return key.replace(new RegExp(UNSTORABLE.source, 'gu'), '\ufffd');
}

function isDtoClass(metatype: unknown): boolean {
  return typeof metatype === 'function' && ![String, Number, Boolean, Array, Object].includes(metatype as never);
}

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      out.push({ field, message: message.replace(/^property \S+ should not exist$/, 'is not allowed') });
    }
    if (error.children?.length) out.push(...flatten(error.children, field));
  }
  return out;
}
