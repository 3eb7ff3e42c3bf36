import { createSesameClient, ok, SesameProblem, type Schemas } from '../../packages/client/src/index.js';
import { signal } from './signal.js';

export { ok, SesameProblem };
export type { Schemas };

export type Tokens = Schemas['TokensResponseDto'];
export type LoginResult = Schemas['MfaRequiredResponseDto'] | Schemas['MfaEnrollmentRequiredResponseDto'] | Tokens;
export type FactorSummary = Schemas['FactorSummaryDto'];

/** The signed-in session, kept for this tab only (sessionStorage): closing the tab forgets it. */
export interface Session {
  accessToken: string;
  refreshToken: string;
}

function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem('sesame.session');
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export const session = signal<Session | null>(loadSession());

export function saveSession(tokens: Pick<Tokens, 'accessToken' | 'refreshToken'> | null): void {
  if (tokens)
    sessionStorage.setItem(
      'sesame.session',
      JSON.stringify({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }),
    );
  else sessionStorage.removeItem('sesame.session');
  session.set(tokens ? { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken } : null);
}

/** The typed client on this origin, carrying the session's access token. */
export const api = createSesameClient({ token: () => session.get()?.accessToken });

/** Headers for a call made with the mfaToken of a login (or step-up) in progress. */
export const withMfaToken = (mfaToken: string) => ({ authorization: `Bearer ${mfaToken}` });
