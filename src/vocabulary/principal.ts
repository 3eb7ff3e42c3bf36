import type { Aal, Amr, MfaPurpose } from './assurance.js';
import type { Role } from './role.js';

/** Who is calling, as established by the AuthGuard from a verified token. */
export type Principal = AccessPrincipal | MfaPrincipal;

export interface AccessPrincipal {
  kind: 'access';
  userId: string;
  sessionId: string;
  aal: Aal;
  amr: Amr[];
  authTime: Date;
  /** From the database, read with the session: a role removed takes effect on the next request. */
  roles: Role[];
  user: UserProfile;
}

export interface MfaPrincipal {
  kind: 'mfa';
  userId: string;
  /** The login attempt (the mfaToken's `jti`) that this token is bound to. */
  attemptId: string;
  purpose: MfaPurpose;
  /** For step-up: the session that will be upgraded. */
  sessionId: string | null;
  /** The login attempt was already completed (only routes that allow it see such a principal). */
  attemptConsumed: boolean;
  user: UserProfile;
}

/** A user as a request needs it: loaded once, with the token check, and never with the password hash. */
export interface UserProfile {
  id: string;
  email: string;
  roles: Role[];
  /** What MFA policy rules match on, besides roles and the id. */
  groups: string[];
  locale: string | null;
}
