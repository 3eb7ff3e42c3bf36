import { Param, ParseUUIDPipe } from '@nestjs/common';

/**
 * A route parameter that names a row by its UUID. Anything else cannot name
 * one, so it gets the route's own "not found" answer (the codes in api.md),
 * without a query, rather than a validation error.
 */
export const UuidParam = (name: string, notFound: () => Error): ParameterDecorator =>
  Param(name, new ParseUUIDPipe({ exceptionFactory: notFound }));
