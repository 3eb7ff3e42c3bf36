import { SessionsService } from '../../src/auth/sessions/sessions.service.js';
import { TokenService } from '../../src/auth/tokens/token.service.js';
import type { Amr } from '../../src/mfa/assurance.js';
import type { TestApp } from '../support/test-app.js';

/**
 * An admin account and an access token for it, without a second-factor login
 * over HTTP: that login would itself send a code and write audit events,
 * which the statistics tests count.
 */
export async function adminAccessToken(
  t: TestApp,
  email: string,
  options: { aal: 1 | 2 } = { aal: 2 },
): Promise<{ userId: string; accessToken: string }> {
  let userId: string;
  const reg = await t.post('/auth/register', { email, password: 'correct horse battery' });
  if (reg.status === 201) {
    userId = reg.body.id;
    await t.db.query(`UPDATE users SET roles = '{admin}' WHERE id = $1`, [userId]);
  } else {
    const { rows } = await t.db.query(`SELECT id FROM users WHERE email = $1 AND 'admin' = ANY(roles)`, [email]);
    if (rows.length !== 1) throw new Error(`register: ${reg.status} ${reg.text}`);
    userId = rows[0].id;
  }
  const amr: Amr[] = options.aal === 2 ? ['pwd', 'sms'] : ['pwd'];
  const authTime = t.clock.now();
  const { session } = await t.app.get(SessionsService).create({ userId, amr, authTime, meta: null });
  const accessToken = await t.app.get(TokenService).signAccess({
    sub: userId,
    sid: session.id,
    aal: options.aal === 2 ? 'aal2' : 'aal1',
    amr,
    authTime,
    roles: ['admin'],
  });
  return { userId, accessToken };
}
