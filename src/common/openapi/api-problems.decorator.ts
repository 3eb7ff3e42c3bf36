import { SetMetadata } from '@nestjs/common';

export const API_PROBLEMS = 'sesame:api-problems';

/**
 * The problem codes a route answers besides the ones every route of its kind
 * may give (validation, authentication, rate limits, outages): the OpenAPI
 * document lists them as responses. Codes are checked when the document is
 * built, so a typo fails at start and in the tests.
 */
export const ApiProblems = (...codes: string[]) => SetMetadata(API_PROBLEMS, codes);
