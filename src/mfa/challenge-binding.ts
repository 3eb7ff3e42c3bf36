import type { AccessPrincipal, MfaPrincipal } from '../vocabulary/principal.js';

/** Who a challenge belongs to: the login attempt of an mfaToken, or a signed-in session. */
export interface ChallengeBinding {
  userId: string;
  attemptId: string | null;
  sessionId: string | null;
}

export function bindingOf(principal: AccessPrincipal | MfaPrincipal): ChallengeBinding {
  return principal.kind === 'mfa'
    ? { userId: principal.userId, attemptId: principal.attemptId, sessionId: null }
    : { userId: principal.userId, attemptId: null, sessionId: principal.sessionId };
}
