import { readFileSync } from 'node:fs';

/**
 * One Jest run covers unit tests beside the code (src/**.spec.ts) and the
 * end-to-end suites in test/ (*.e2e-spec.ts).
 *
 * NestJS 12 is ESM-only while parts of its ecosystem (@nestjs/throttler,
 * nestjs-pino) are CommonJS that `require()` it. Node runs that mix natively
 * (require of ESM), but Jest's module registry cannot on Node 20, so under
 * Jest everything — our TypeScript and the ESM-only packages — is compiled to
 * CommonJS by SWC, giving one registry and one copy of @nestjs/common.
 * Production runs the same code as native ESM (`node dist/src/main.js`).
 */

/** The one copy of the SWC settings, which `nest start` builds with too; Jest only swaps ES modules for CommonJS. */
const { $schema: _schema, ...swcOptions } = JSON.parse(readFileSync(new URL('./.swcrc', import.meta.url), 'utf8'));

const esmOnlyPackages = ['@nestjs', 'jose', 'file-type', 'uid', 'strtok3', 'token-types', '@tokenizer', 'uint8array-extras', '@simplewebauthn', '@levischuck', '@peculiar', 'asn1js', 'pvtsutils', 'pvutils', 'bytestreamjs', 'pkijs', '@hexagon', '@scure', 'node-fetch', 'fetch-blob', 'data-uri-to-buffer', 'formdata-polyfill', 'uuid'];

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', { ...swcOptions, swcrc: false, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages.join('|')})/)`],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
};
