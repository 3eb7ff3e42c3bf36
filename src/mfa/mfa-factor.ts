import type { AccessPrincipal, MfaPrincipal } from '../vocabulary/principal.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import type { Tx } from '../database/database.js';
import type { UserProfile } from '../vocabulary/principal.js';
import type { Amr } from '../vocabulary/assurance.js';
import type { Factor } from './factor.entity.js';
import type { FactorType } from '../vocabulary/factor-type.js';

/** The fields of `POST /auth/mfa/verify`; each factor reads the ones it needs (api.md: verify bodies). */
export interface VerifyInput {
  type?: string;
  challengeId?: string;
  factorId?: string;
  code?: string;
  credential?: Record<string, unknown>;
  /** Login only: trust this device afterwards (TrustedDevicesService). */
  rememberDevice?: boolean;
}

/** The fields of `POST /me/mfa/factors/:id/activate`. */
export interface ActivateInput {
  challengeId?: string;
  code?: string;
}

export interface FactorContext {
  principal: MfaPrincipal | AccessPrincipal;
  user: UserProfile;
  meta: RequestMeta;
  /** The factor is one the policy no longer allows, still usable because the user has no allowed one. */
  grandfathered?: boolean;
}

/**
 * A checked second factor, not yet spent. `consume` runs inside the
 * transaction that upgrades the session, so either both happen or neither.
 * A refusal found inside it is thrown as a `RefusalAfterRollback`, whose
 * bookkeeping then runs once the transaction has rolled back (on the pool, not
 * inside the transaction).
 */
export interface SecondFactorProof {
  factorId: string | null;
  amr: Amr;
  /** Spends the proof and clears the account's failure budget (a completed factor ends the run of failures). */
  consume(tx: Tx): Promise<void>;
}

/**
 * What every second factor implements. The registry (factor-registry.ts)
 * maps each FactorType to one of these; the login flow, the verify route and
 * the activation route only ever talk to this interface.
 */
export interface MfaFactor {
  readonly type: FactorType;
  /** Starts a challenge (SMS sends a code, WebAuthn returns request options); factors that need none omit it. */
  startChallenge?(factor: Factor, context: FactorContext): Promise<object>;
  /** Challenge factors: whether a verify body with a `challengeId` is an answer of this factor's kind (by its fields, without a query). */
  answers?(input: VerifyInput): boolean;
  /** Whether a challenge id is one of the caller's challenges of this factor, and whether it was used. */
  challengeState?(challengeId: string, context: FactorContext): Promise<'none' | 'open' | 'consumed'>;
  /** Checks a verify body; throws a problem (MFA_INVALID_CODE…) when it does not prove the factor. */
  verify(input: VerifyInput, context: FactorContext): Promise<SecondFactorProof>;
  /** Checks the first proof of a pending factor; consuming the proof activates it. */
  activate?(factor: Factor, input: ActivateInput, context: FactorContext): Promise<SecondFactorProof>;
  /**
   * Runs in the activation's transaction when the user already had an active
   * factor (SMS: the older numbers are told, the other sessions end). `keep`
   * is the caller's own session or login attempt.
   */
  onActivated?(factor: Factor, context: FactorContext, keep: ActivationKeep, tx: Tx): Promise<void>;
}

/** What an activation leaves standing when it ends the user's other sessions. */
export interface ActivationKeep {
  sessionId: string | null;
  attemptId: string | null;
}

/** Thrown from `consume` when the proof turns out not to hold; `record` runs after the rollback and throws the answer. */
export class RefusalAfterRollback extends Error {
  constructor(readonly record: () => Promise<never>) {
    super('second factor refused inside the upgrade');
  }
}
