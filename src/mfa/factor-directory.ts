import type { FactorType } from '../vocabulary/factor-type.js';

/** A factor as the login flow and the user see it: never the secret, never the full number. */
export interface FactorSummary {
  id: string;
  type: FactorType;
  label: string;
}

/**
 * What the login flow needs to know about a user's factors. The MFA module
 * provides it; the login flow depends only on this port.
 */
export abstract class FactorDirectory {
  abstract listActive(userId: string): Promise<FactorSummary[]>;
}
