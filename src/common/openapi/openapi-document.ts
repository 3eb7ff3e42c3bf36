import type { INestApplication } from '@nestjs/common';
import { ModulesContainer, Reflector } from '@nestjs/core';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type OperationObject,
  type ReferenceObject,
  type ResponseObject,
  type SchemaObject,
} from '@nestjs/swagger';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import { ACCESS_REQUIREMENT, type AccessRequirement } from '../../vocabulary/access.decorators.js';
import { DECLARED_PROBLEMS } from '../errors/problem.exception.js';
import { API_PROBLEMS } from './api-problems.decorator.js';

/** Codes answered outside the modules' tables: a failed readiness check (terminus, 503). */
const FRAMEWORK_PROBLEMS = new Map([['UNAVAILABLE', { status: 503, title: 'Service unavailable' }]]);

const PROBLEM_SCHEMA = 'Problem';
const PROBLEM_MEDIA_TYPE = 'application/problem+json';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

type Schema = SchemaObject | ReferenceObject;

/**
 * The OpenAPI document served at /docs-json. Controllers state the success
 * responses (response DTO classes) and any route-specific problem codes
 * (`@ApiProblems`); this adds what every route shares and must not be
 * restated per route: the security scheme, taken from the same access
 * statement the global guard enforces (`@Public`, `@Authenticated`,
 * `@MfaTokenAuth`); the problem+json error schema with every declared `code`;
 * the errors each kind of route can answer; and an example for every response.
 */
export function buildOpenApiDocument(app: INestApplication, info: { title: string }): OpenAPIObject {
  // Request bodies and queries are zod DTOs; cleanupOpenApiDoc turns their schemas into plain OpenAPI.
  const document = cleanupOpenApiDoc(SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(info.title)
      .setDescription(
        'Authentication with multi-factor authentication at its centre. A password login gives tokens, or a short-lived, ' +
          'single-use mfaToken that only completes a second factor (`/auth/mfa/*`, and the enrolment routes for a first factor). ' +
          'Errors are application/problem+json (RFC 9457) with a stable `code`.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token (`typ: at+jwt`) from login, verify or refresh' }, 'accessToken')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An mfaToken (`typ: mfa+jwt`) from login or step-up; single use' }, 'mfaToken')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when it is set' }, 'metricsToken')
      .build(),
  ));
  const problems = declaredProblems();
  document.components ??= {};
  document.components.schemas ??= {};
  document.components.schemas[PROBLEM_SCHEMA] = problemSchema([...problems.keys()]);
  const handlers = handlerIndex(app);

  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const handler = handlers.get(operation.operationId ?? '');
      if (!handler) throw new Error(`OpenAPI: no handler found for ${method.toUpperCase()} ${path}`);
      applySecurity(operation, handler.requirement);
      const codes = [...commonProblems(operation, path, handler.requirement), ...handler.problems];
      for (const code of codes) if (!problems.has(code)) throw new Error(`OpenAPI: ${operation.operationId} names an undeclared problem code ${code}`);
      addProblemResponses(operation, codes, problems);
      completeResponses(operation, document);
    }
  }
  return document;
}

/** Every problem code, with its status and title, from the modules' exception tables. */
function declaredProblems(): Map<string, { status: number; title: string }> {
  return new Map([...DECLARED_PROBLEMS, ...FRAMEWORK_PROBLEMS]);
}

function problemSchema(codes: string[]): SchemaObject {
  return {
    type: 'object',
    description: 'RFC 9457 problem details. Clients switch on `code`, never on the text.',
    required: ['type', 'title', 'status', 'code'],
    properties: {
      type: { type: 'string', example: 'about:blank' },
      title: { type: 'string', example: 'Invalid code' },
      status: { type: 'integer', example: 401 },
      code: { type: 'string', enum: codes.sort(), description: 'Stable and machine-readable', example: 'MFA_INVALID_CODE' },
      detail: { type: 'string', example: 'The code is not right.' },
      attemptsRemaining: { type: 'integer', description: 'MFA_INVALID_CODE: guesses left on this challenge', example: 3 },
      errors: {
        type: 'array',
        description: 'VALIDATION_FAILED: one entry per refused field',
        items: {
          type: 'object',
          required: ['field', 'message'],
          properties: { field: { type: 'string', example: 'email' }, message: { type: 'string', example: 'must be a string' } },
        },
      },
      requestId: { type: 'string', description: '5xx only: quote it when reporting the error', example: 'b7c1e2d3-4f5a-4b6c-8d7e-9f0a1b2c3d4e' },
    },
    additionalProperties: true,
  };
}

interface HandlerInfo {
  requirement: AccessRequirement | undefined;
  problems: string[];
}

/** operationId (`Controller_method`, @nestjs/swagger's default) → what the handler states about itself. */
function handlerIndex(app: INestApplication): Map<string, HandlerInfo> {
  const reflector = new Reflector();
  const index = new Map<string, HandlerInfo>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const metatype = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!metatype) continue;
      for (const name of Object.getOwnPropertyNames(metatype.prototype)) {
        if (name === 'constructor') continue;
        const handler = (metatype.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        index.set(`${metatype.name}_${name}`, {
          requirement: reflector.getAllAndOverride<AccessRequirement | undefined>(ACCESS_REQUIREMENT, [handler, metatype]),
          problems: reflector.getAllAndMerge<string[]>(API_PROBLEMS, [handler, metatype]) ?? [],
        });
      }
    }
  }
  return index;
}

function applySecurity(operation: OperationObject, requirement: AccessRequirement | undefined): void {
  const declared = (operation.security ?? []).filter((s) => !('bearer' in s));
  switch (requirement?.kind) {
    case 'public':
      // A public route may still take a credential of its own (the metrics token): optional, so `{}` too.
      operation.security = declared.length > 0 ? [...declared, {}] : [];
      break;
    case 'access': {
      operation.security = [{ accessToken: [] }, ...(requirement.mfaPurposes.length > 0 ? [{ mfaToken: [] }] : [])];
      const needs = [
        requirement.aal === 2 ? 'a session that completed a second factor (aal2)' : null,
        requirement.roles.length > 0 ? `the role ${requirement.roles.join(', ')}` : null,
        requirement.stepUp ? 'a second factor within the step-up window (POST /auth/step-up)' : null,
        requirement.mfaPurposes.includes('enroll') ? 'or the enrolment mfaToken of a login that must enrol a first factor' : null,
      ].filter(Boolean);
      appendDescription(operation, `Access token${needs.length > 0 ? `; needs ${needs.join('; ')}` : ''}.`);
      break;
    }
    case 'mfa':
      operation.security = [{ mfaToken: [] }];
      appendDescription(operation, `mfaToken (${requirement.purposes.join(', ')}); an access token is refused.`);
      break;
    case undefined:
      throw new Error(`OpenAPI: ${operation.operationId} states no access requirement`);
  }
}

function appendDescription(operation: OperationObject, text: string): void {
  operation.description = operation.description ? `${operation.description}\n\n${text}` : text;
}

/** The errors a route can answer because of what it is: a body, parameters, a credential, the limits every route has. */
function commonProblems(operation: OperationObject, path: string, requirement: AccessRequirement | undefined): string[] {
  const codes: string[] = [];
  if (operation.requestBody || (operation.parameters ?? []).length > 0) codes.push('VALIDATION_FAILED');
  if (operation.requestBody) codes.push('PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE');
  if (requirement?.kind === 'access') {
    codes.push('UNAUTHENTICATED');
    if (requirement.mfaPurposes.length > 0) codes.push('MFA_TOKEN_INVALID');
    if (requirement.aal === 2 || requirement.roles.length > 0 || requirement.mfaPurposes.length > 0) codes.push('FORBIDDEN');
    if (requirement.stepUp) codes.push('STEP_UP_REQUIRED');
  }
  if (requirement?.kind === 'mfa') codes.push('MFA_TOKEN_INVALID');
  if (path.includes('{')) codes.push('NOT_FOUND');
  codes.push('RATE_LIMITED', 'INTERNAL', 'SERVICE_UNAVAILABLE');
  return codes;
}

/** One response per status, listing its codes, with an example of each. */
function addProblemResponses(operation: OperationObject, codes: string[], problems: Map<string, { status: number; title: string }>): void {
  const byStatus = new Map<number, string[]>();
  for (const code of new Set(codes)) {
    const status = problems.get(code)!.status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, statusCodes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const existing = operation.responses[String(status)] as ResponseObject | undefined;
    const examples = Object.fromEntries(statusCodes.map((code) => [code, { summary: code, value: problemExample(code, problems.get(code)!) }]));
    const headers: ResponseObject['headers'] =
      status === 429 || status === 503
        ? { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', example: 30 } } }
        : status === 401
          ? { 'WWW-Authenticate': { description: 'RFC 6750 challenge: `Bearer`, with `error="invalid_token"` when a token was sent', schema: { type: 'string', example: 'Bearer error="invalid_token"' } } }
          : undefined;
    operation.responses[String(status)] = {
      description: [existing?.description, `Problem: ${statusCodes.join(', ')}`].filter(Boolean).join('. '),
      ...(headers ? { headers } : {}),
      content: { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: `#/components/schemas/${PROBLEM_SCHEMA}` }, examples } },
    };
  }
}

function problemExample(code: string, shape: { status: number; title: string }): Record<string, unknown> {
  return {
    type: 'about:blank',
    title: shape.title,
    status: shape.status,
    code,
    ...(code === 'MFA_INVALID_CODE' ? { attemptsRemaining: 3 } : {}),
    ...(code === 'VALIDATION_FAILED' ? { errors: [{ field: 'email', message: 'must be a string' }] } : {}),
    ...(shape.status >= 500 ? { requestId: 'b7c1e2d3-4f5a-4b6c-8d7e-9f0a1b2c3d4e' } : {}),
  };
}

/** Every success response gets a description and, when it has content, an example built from its schema. */
function completeResponses(operation: OperationObject, document: OpenAPIObject): void {
  for (const [status, response] of Object.entries(operation.responses)) {
    const r = response as ResponseObject;
    if (!r.description) r.description = status === '204' ? 'Done; no content' : 'Success';
    for (const media of Object.values(r.content ?? {})) {
      if (media.example !== undefined || media.examples !== undefined || !media.schema) continue;
      const schema = resolve(media.schema, document);
      if (schema.oneOf) {
        media.examples = Object.fromEntries(
          schema.oneOf.map((variant) => [refName(variant) ?? 'example', { value: exampleOf(variant, document, 0) }]),
        );
      } else {
        media.example = exampleOf(media.schema, document, 0);
      }
    }
  }
}

function refName(schema: Schema): string | null {
  return '$ref' in schema ? schema.$ref.split('/').pop()! : null;
}

function resolve(schema: Schema, document: OpenAPIObject): SchemaObject {
  const name = refName(schema);
  if (name === null) return schema as SchemaObject;
  const target = document.components?.schemas?.[name];
  if (!target) throw new Error(`OpenAPI: unresolved schema ${name}`);
  return resolve(target, document);
}

/** An example value from the schema's own examples (every DTO property carries one). */
function exampleOf(schema: Schema, document: OpenAPIObject, depth: number): unknown {
  const s = resolve(schema, document);
  if (s.example !== undefined) return s.example;
  if (depth > 8) return null;
  if (s.oneOf?.[0]) return exampleOf(s.oneOf[0], document, depth + 1);
  if (s.allOf) return Object.assign({}, ...s.allOf.map((part) => exampleOf(part, document, depth + 1)));
  if (s.type === 'array' && s.items) return [exampleOf(s.items, document, depth + 1)];
  if (s.type === 'object' || s.properties) {
    return Object.fromEntries(Object.entries(s.properties ?? {}).map(([name, property]) => [name, exampleOf(property, document, depth + 1)]));
  }
  if (s.enum?.[0] !== undefined) return s.enum[0];
  return s.type === 'string' ? 'string' : s.type === 'boolean' ? true : s.type === 'integer' || s.type === 'number' ? 0 : null;
}
