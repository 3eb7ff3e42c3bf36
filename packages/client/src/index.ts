import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type { components, paths };
export type Schemas = components['schemas'];
/** Every error body: RFC 9457 problem+json with a stable `code`. */
export type Problem = Schemas['Problem'];
export type ProblemCode = Problem['code'];
export type SesameClient = Client<paths>;

export interface SesameClientOptions {
  /** Where Sesame answers; '' (the default) is the page's own origin. */
  baseUrl?: string;
  /** The bearer token for each request (an access token, or the mfaToken of a login in progress). */
  token?: () => string | null | undefined;
  fetch?: typeof fetch;
}

/**
 * A client typed against Sesame's OpenAPI document (openapi-typescript +
 * openapi-fetch): paths, bodies and responses are checked by the compiler,
 * and `error` is the problem body.
 */
export function createSesameClient(options: SesameClientOptions = {}): SesameClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? '',
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const bearer: Middleware = {
    onRequest({ request }) {
      const token = options.token?.();
      if (token && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  };
  client.use(bearer);
  return client;
}

/** A refused request, carrying the problem body so callers switch on `code`. */
export class SesameProblem extends Error {
  constructor(
    readonly problem: Problem,
    readonly response: Response,
  ) {
    super(problem.detail ?? problem.title);
    this.name = 'SesameProblem';
  }

  get code(): ProblemCode {
    return this.problem.code;
  }

  /** Seconds from the `Retry-After` header of a 429, when present. */
  get retryAfterSeconds(): number | null {
    const value = Number(this.response.headers.get('retry-after'));
    return Number.isFinite(value) && value > 0 ? value : null;
  }
}

/** The data of an openapi-fetch result, or a thrown SesameProblem. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const problem: Problem =
      error && typeof error === 'object' && 'code' in error
        ? (error as Problem)
        : { type: 'about:blank', title: response.statusText, status: response.status, code: 'INTERNAL' };
    throw new SesameProblem(problem, response);
  }
  return data as T;
}
