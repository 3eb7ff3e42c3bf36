import { SessionsService } from '../../src/sessions/sessions.service.js';
import { TokenService } from '../../src/tokens/token.service.js';
import type { Role } from '../../src/vocabulary/role.js';
import type { Amr } from '../../src/vocabulary/assurance.js';
import type { TestApp } from './test-app.js';

export interface ArrangedSession {
  userId: string;
  sessionId: string;
  accessToken: string;
  /** Works with POST /auth/refresh, which keeps the session's original auth_time. */
  refreshToken: string;
}

const PASSWORD = 'correct horse battery';

/**
 * An admin's access token, by default at aal2. The second factor is arranged,
 * not performed: the session is created with amr ['pwd', 'sms'] as if an SMS
 * code had just been verified, so suites about administration do not depend on
 * the SMS flow (and do not send codes or write the audit events it would).
 * `aal: 1` gives a password-only session of the same admin.
 */
export async function adminAccessToken(t: TestApp, email: string, options: { aal?: 1 | 2 } = {}): Promise<ArrangedSession> {
  return arrangedAccessToken(t, email, { roles: ['admin'], aal: options.aal ?? 2 });
}

/**
 * Registers the account over HTTP (or reuses it when the email is taken), gives
 * it `roles` in the database, and signs an access token for a session whose
 * factors are arranged directly: amr ['pwd', 'sms'] for aal2, ['pwd'] for aal1.
 */
export async function arrangedAccessToken(t: TestApp, email: string, options: { roles: Role[]; aal: 1 | 2 }): Promise<ArrangedSession> {
  const reg = await t.post('/auth/register', { email, password: PASSWORD });
  let userId: string;
  if (reg.status === 201) {
    userId = reg.body.id;
  } else {
    const { rows } = await t.db.query(`SELECT id FROM users WHERE email = $1`, [email.trim().toLowerCase()]);
    if (rows.length !== 1) throw new Error(`register failed: ${reg.status} ${reg.text}`);
    userId = rows[0].id;
  }
  await t.db.query(`UPDATE users SET roles = $2 WHERE id = $1`, [userId, options.roles]);

  const amr: Amr[] = options.aal === 2 ? ['pwd', 'sms'] : ['pwd'];
  const authTime = t.clock.now();
  const { session, refreshToken } = await t.app.get(SessionsService).create({ userId, amr, authTime, meta: null });
  const accessToken = await t.app.get(TokenService).signAccess({
    sub: userId,
    sid: session.id,
    aal: session.aal,
    amr,
    authTime,
    roles: options.roles,
  });
  return { userId, sessionId: session.id, accessToken, refreshToken };
}
