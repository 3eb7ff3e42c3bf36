/** Every second factor Sesame knows. Adding one here makes the compiler point at every place that must handle it. */
export const FACTOR_TYPES = ['sms', 'totp', 'webauthn', 'recovery_code', 'email'] as const;
export type FactorType = (typeof FACTOR_TYPES)[number];

export function isFactorType(value: unknown): value is FactorType {
  return typeof value === 'string' && (FACTOR_TYPES as readonly string[]).includes(value);
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}
