import { Injectable, ValidationPipe, type ArgumentMetadata, type PipeTransform, type ValidationError } from '@nestjs/common';
import { validationFailed, type FieldError } from '../errors/problem.exception.js';

/**
 * Whitelist validation for every body and query (security.md: unknown fields
 * are refused). A body that is not a JSON object (an array, a string, null)
 * is refused before class-validator sees it.
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
    if (metadata.type === 'body' && metadata.metatype && isDtoClass(metadata.metatype)) {
      if (value === undefined) value = {};
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw validationFailed([{ field: 'body', message: 'must be a JSON object' }]);
      }
      if (nestedDeeperThan(value, MAX_DEPTH)) {
        throw validationFailed([{ field: 'body', message: `is nested deeper than ${MAX_DEPTH} levels` }]);
      }
      const nul = fieldWithNul(value);
      if (nul) throw validationFailed([{ field: nul, message: 'must not contain NUL characters' }]);
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

/** Postgres text cannot hold U+0000, and no field of the contract needs it. */
function fieldWithNul(value: object): string | null {
  for (const [key, child] of Object.entries(value)) {
    if (typeof child === 'string' && child.includes('\u0000')) return key;
    if (typeof child === 'object' && child !== null && fieldWithNul(child)) return key;
  }
  return null;
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
