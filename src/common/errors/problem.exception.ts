import { HttpException } from '@nestjs/common';

/** An RFC 9457 problem document; `code` is the stable, machine-readable part. */
export interface Problem {
  status: number;
  code: string;
  title: string;
  detail?: string;
  /** Extra members, e.g. `attemptsRemaining` or validation `errors`. */
  extensions?: Record<string, unknown>;
  /** Response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
}

/**
 * The base of every module's exception type. The global filter turns it into
 * `application/problem+json`; anything that is not one of these (or a known
 * framework error) becomes a bare 500 `INTERNAL`.
 */
export class ProblemException extends HttpException {
  constructor(readonly problem: Problem) {
    super(problem.title, problem.status);
  }
}

type ProblemShape = Pick<Problem, 'status' | 'title'>;

/** Every code a module declared with `defineProblems`, with its status and title (the OpenAPI document lists them). */
export const DECLARED_PROBLEMS = new Map<string, ProblemShape>();

/**
 * Declares a module's error codes once, with their status and title, and
 * returns the module's exception class: `new MfaException('MFA_INVALID_CODE')`.
 */
export function defineProblems<C extends string>(name: string, table: Record<C, ProblemShape>) {
  for (const [code, shape] of Object.entries<ProblemShape>(table)) DECLARED_PROBLEMS.set(code, shape);
  class ModuleProblemException extends ProblemException {
    constructor(
      readonly code: C,
      options: { detail?: string; extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
    ) {
      super({ ...table[code], code, ...options });
    }
  }
  Object.defineProperty(ModuleProblemException, 'name', { value: name });
  return ModuleProblemException;
}

/** Errors shared by every module. */
export const CommonException = defineProblems('CommonException', {
  VALIDATION_FAILED: { status: 400, title: 'Invalid request' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  CONFLICT: { status: 409, title: 'Conflict' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Request body too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  INTERNAL: { status: 500, title: 'Internal error' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'Service unavailable' },
});

export interface FieldError {
  field: string;
  message: string;
}

export function validationFailed(errors: FieldError[]): ProblemException {
  return new CommonException('VALIDATION_FAILED', { extensions: { errors } });
}
