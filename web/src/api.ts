import { createSesameClient, ok, SesameProblem, type Schemas } from '../../packages/client/src/index.js';
import { signal } from './signal.js';

export { ok, SesameProblem };
export type { Schemas };

export type Tokens = Schemas['TokensResponseDto'];
export type LoginResult = Schemas['MfaRequiredResponseDto'] | Schemas['MfaEnrollmentRequiredResponseDto'] | Tokens;
/** What POST /auth/mfa/verify returns: the tokens, and a `deviceToken` when the device is to be remembered. */
export type VerifiedTokens = Schemas['VerifiedTokensResponseDto'];
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

let refreshing: Promise<Session | null> | null = null;

/** POST /auth/refresh once for all the requests that found the access token expired; null when the session is over. */
function refreshSession(refreshToken: string): Promise<Session | null> {
  refreshing ??= fetch('/auth/refresh', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken }),
  })
    .then(async (res) => (res.ok ? ((await res.json()) as Tokens) : null))
    .catch(() => null)
    .then((tokens) => {
      saveSession(tokens);
      return session.get();
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/**
 * Access tokens last minutes, the session longer: a request refused with 401
 * while it carried the session's token is sent again once with a refreshed
 * one (the refresh keeps the session's auth_time, so step-up rules still see
 * the original sign-in). A failed refresh ends the session.
 */
const copies = new Map<string, Request>();
api.use({
  onRequest({ request, id }) {
    if (session.get() && request.headers.has('authorization')) copies.set(id, request.clone());
  },
  async onResponse({ request, response, id }) {
    const copy = copies.get(id);
    copies.delete(id);
    const current = session.get();
    if (response.status !== 401 || !copy || !current) return;
    if (request.headers.get('authorization') !== `Bearer ${current.accessToken}`) return;
    const refreshed = await refreshSession(current.refreshToken);
    if (!refreshed) return;
    copy.headers.set('authorization', `Bearer ${refreshed.accessToken}`);
    return fetch(copy);
  },
});

/** Headers for a call made with the mfaToken of a login (or step-up) in progress. */
export const withMfaToken = (mfaToken: string) => ({ authorization: `Bearer ${mfaToken}` });
