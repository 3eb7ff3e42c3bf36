import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { isZodDto } from 'nestjs-zod/dto';
import type { ZodType } from 'zod';
import { validationFailed, type FieldError } from '../errors/problem.exception.js';
import { parseOrRefuse, printable, shortened, UNSTORABLE } from '../validation/parse.js';

/**
 * Validation of every body and query typed with a DTO, against the DTO's zod
 * schema (strict objects: unknown fields are refused, security.md). A body
 * that is not a JSON object (an array, a string, null) is refused before the
 * schema sees it.
 *
 * Before any of that, every string in a body, query or path parameter —
 * whatever its handler declares, a DTO or not — must be text Postgres can
 * store: no U+0000 (text columns cannot hold it) and no lone surrogate (it
 * has no UTF-8 form; validators that re-encode it, such as isEmail's
 * byte-length check, throw). This is the one place that rule is enforced.
 */
@Injectable()
export class StrictValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const bad = firstUnacceptableInput(value, metadata.data ?? '');
      if (bad) throw validationFailed([bad]);
    }
    const dto = metadata.metatype;
    if (!isZodDto(dto) || (metadata.type !== 'body' && metadata.type !== 'query')) return value;
    if (metadata.type === 'body') {
      if (value === undefined) value = {};
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw validationFailed([{ field: 'body', message: 'must be a JSON object' }]);
      }
      if (nestedDeeperThan(value, MAX_DEPTH)) {
        throw validationFailed([{ field: 'body', message: `is nested deeper than ${MAX_DEPTH} levels` }]);
      }
    }
    // Every DTO of ours is built from a zod schema (src/common/validation/fields.ts).
    return parseOrRefuse(dto.schema as ZodType, value);
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


/**
 * Names no field of the contract has: `__proto__`, `constructor`,
 * `prototype` and the other members of Object.prototype (`toString`,
 * `valueOf`, …). Their only use in a request is prototype pollution: they
 * are refused wherever they appear, before any schema or handler sees them.
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
