import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { SessionsService } from '../../src/sessions/sessions.service.js';
import { TokenService } from '../../src/tokens/token.service.js';
import type { TestApp } from '../support/test-app.js';
import type { TokenKind } from './operations.js';

const PASSWORD = 'correct horse battery';

interface Account {
  userId: string;
  email: string;
  accessToken: string;
  sessionId: string;
}

/** Everything one `rotate()` hands out: accounts, tokens of each kind, bad tokens. */
interface Generation {
  number: number;
  user: Account;
  admin: Account;
  mfaToken: string;
  enrollToken: string;
  others: string[];
  bad: string[];
}

/**
 * The tokens the fuzzer sends: one of each real kind, kept valid while the
 * fuzzed requests revoke sessions and consume tokens (a refused real token
 * is re-minted), and a set of bad ones — malformed, badly signed, expired,
 * and validly signed with the app's key but carrying ids that are not UUIDs.
 *
 * Every `rotate()` starts over with new accounts, so per-account counters
 * (failed codes, SMS caps, pending factors) never stop the fuzzer from
 * reaching the routes' own validation. The next generation is made while the
 * current one is in use, so a rotation does not hold the requests up.
 */
export class Identities {
  private generation = 0;
  private user!: Account;
  private admin!: Account;
  private mfaToken = '';
  private enrollToken = '';
  private renewing = new Map<TokenKind, Promise<void>>();
  private bad: string[] = [];
  private next: Promise<Generation> | null = null;
  /** How many refused real tokens were minted again. */
  renewals = 0;
  /** Ids, refresh tokens and cursors the server handed out, for the next requests to use. */
  readonly seen = { ids: [] as string[], userIds: [] as string[], refreshTokens: [] as string[], cursors: new Map<string, string[]>() };

  constructor(private readonly t: TestApp) {}

  get userEmail(): string {
    return this.user.email;
  }

  get generationNumber(): number {
    return this.generation;
  }

  token(kind: TokenKind): string | undefined {
    switch (kind) {
      case 'none':
        return undefined;
      case 'aal1':
        return this.user.accessToken;
      case 'admin':
        return this.admin.accessToken;
      case 'mfa':
        return this.mfaToken;
      case 'enroll':
        return this.enrollToken;
    }
  }

  /** A bad token, chosen by `n`. */
  badToken(n: number): string {
    return this.bad[n % this.bad.length];
  }

  /** New accounts and tokens of every kind (made ahead of time since the last rotation), and the next ones started. */
  async rotate(): Promise<void> {
    const next = await (this.next ?? this.makeGeneration(this.generation + 1));
    this.generation = next.number;
    this.user = next.user;
    this.admin = next.admin;
    this.mfaToken = next.mfaToken;
    this.enrollToken = next.enrollToken;
    this.bad = next.bad;
    for (const userId of next.others) this.remember('userIds', userId);
    this.next = this.makeGeneration(this.generation + 1);
    // Awaited at the next rotation; a failure meanwhile is not an unhandled rejection.
    this.next.catch(() => undefined);
  }

  private async makeGeneration(number: number): Promise<Generation> {
    const stamp = `g${number}-${randomUUID().slice(0, 8)}`;
    const user = await this.account(`fuzz-user-${stamp}@fuzz.example`, []);
    const admin = await this.account(`fuzz-admin-${stamp}@fuzz.example`, ['admin']);
    const { user: stepped, mfaToken } = await this.stepUp(user);
    const enrollToken = (await this.enrolmentToken(admin)) ?? mfaToken;
    // Accounts for admin actions and refresh tokens to rotate: what they do to these sessions leaves the fuzzer's own alone.
    const others: string[] = [];
    for (let i = 0; i < 2; i++) {
      const other = await this.account(`fuzz-other${i}-${stamp}@fuzz.example`, []);
      others.push(other.userId);
      for (let j = 0; j < 2; j++) await this.session(other, [], { keepRefreshToken: true });
    }
    return { number, user: stepped, admin, mfaToken, enrollToken, others, bad: await this.badTokens(stepped) };
  }

  /** Called when a real token was refused: mints a new one of that kind unless that already happened. */
  async renew(kind: TokenKind, refused: string): Promise<void> {
    if (kind === 'none' || this.token(kind) !== refused) return;
    const running = this.renewing.get(kind);
    if (running) return running;
    this.renewals += 1;
    const job = (async () => {
      if (kind === 'aal1') this.user = await this.session(this.user, []);
      if (kind === 'admin') this.admin = await this.session(this.admin, ['admin']);
      if (kind === 'mfa') await this.renewMfa();
      if (kind === 'enroll') await this.renewEnroll();
    })().finally(() => this.renewing.delete(kind));
    this.renewing.set(kind, job);
    return job;
  }

  /** A session of its own for a request that ends the caller's session (logout), so the shared one lives on. */
  async throwawayAccessToken(): Promise<string> {
    return (await this.session(this.user, [])).accessToken;
  }

  /** The fuzzer's own accounts: admin actions aimed at them would sign the fuzzer out, so they aim at others. */
  isOwn(userId: string): boolean {
    return userId === this.user.userId || userId === this.admin.userId;
  }

  /** An admin session authenticated just now (a change that needs step-up is then allowed). */
  async freshAdminToken(): Promise<string> {
    this.admin = await this.session(this.admin, ['admin']);
    return this.admin.accessToken;
  }

  remember(list: 'ids' | 'userIds' | 'refreshTokens', value: string): void {
    const values = this.seen[list];
    if (values.includes(value)) return;
    values.push(value);
    if (values.length > 64) values.shift();
  }

  rememberCursor(path: string, cursor: string): void {
    const values = this.seen.cursors.get(path) ?? [];
    values.push(cursor);
    if (values.length > 16) values.shift();
    this.seen.cursors.set(path, values);
  }

  private async account(email: string, roles: Array<'admin'>): Promise<Account> {
    const reg = await this.t.post('/auth/register', { email, password: PASSWORD });
    if (reg.status !== 201) throw new Error(`fuzz setup: register ${email}: ${reg.status} ${reg.text}`);
    await this.t.db.query(`UPDATE users SET roles = $2 WHERE id = $1`, [reg.body.id, roles]);
    return this.session({ userId: reg.body.id, email, accessToken: '', sessionId: '' }, roles);
  }

  /** A new session: aal2 for the admin (its second factor arranged, as test/support/admin-session.ts does), aal1 for the user. */
  private async session(account: Account, roles: Array<'admin'>, { keepRefreshToken = false } = {}): Promise<Account> {
    const amr: Array<'pwd' | 'sms'> = roles.includes('admin') ? ['pwd', 'sms'] : ['pwd'];
    const authTime = this.t.clock.now();
    const { session, refreshToken } = await this.t.app.get(SessionsService).create({ userId: account.userId, amr, authTime, meta: null });
    const accessToken = await this.t.app.get(TokenService).signAccess({ sub: account.userId, sid: session.id, aal: session.aal, amr, authTime, roles });
    if (keepRefreshToken) this.remember('refreshTokens', refreshToken);
    return { ...account, accessToken, sessionId: session.id };
  }

  private async renewMfa(): Promise<void> {
    const { user, mfaToken } = await this.stepUp(this.user);
    this.user = user;
    this.mfaToken = mfaToken;
  }

  private async renewEnroll(): Promise<void> {
    // A fuzzed policy change may have let the admin in without a factor; any mfaToken the guard can refuse will do.
    this.enrollToken = (await this.enrolmentToken(this.admin)) ?? this.mfaToken;
  }

  /**
   * A step-up mfaToken of the user's session (purpose step_up: the /auth/mfa/* routes accept it); a new
   * session if that one ended. Fuzzed requests of the same user run meanwhile, and some end its other
   * sessions (`/me/sessions/revoke-others`, `DELETE /me/sessions/:id`), so a brand-new one may be gone
   * by the time it is used: a few tries.
   */
  private async stepUp(account: Account): Promise<{ user: Account; mfaToken: string }> {
    let user = account;
    let res = await this.t.post('/auth/step-up', undefined, user.accessToken);
    for (let attempt = 0; res.status === 401 && attempt < 5; attempt++) {
      user = await this.session(user, []);
      res = await this.t.post('/auth/step-up', undefined, user.accessToken);
    }
    if (res.status !== 200) throw new Error(`fuzz setup: step-up: ${res.status} ${res.text}`);
    return { user, mfaToken: res.body.mfaToken as string };
  }

  /** An enrolment mfaToken: the default policy requires MFA of admins, and this admin has no factor yet. */
  private async enrolmentToken(admin: Account): Promise<string | null> {
    const res = await this.t.post('/auth/login', { email: admin.email, password: PASSWORD });
    return res.status === 200 && typeof res.body.mfaToken === 'string' ? (res.body.mfaToken as string) : null;
  }

  private async badTokens(user: Account): Promise<string[]> {
    const { signing } = this.t.keys;
    const tokens = this.t.app.get(TokenService);
    const now = Math.floor(this.t.clock.now().getTime() / 1000);
    const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
    const notUuids = ['not-a-uuid', '', '------------------------------------', '00000000000000000000000000000000----', 'ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ', '00000000-0000-0000-0000-00000000000g', "1' OR '1'='1", 'a\u0000b', 'x\ud800y', '0'.repeat(40)];
    const access = { sub: user.userId, sid: user.sessionId, aal: 'aal2' as const, amr: ['pwd' as const, 'sms' as const], authTime: this.t.clock.now(), roles: [] };

    /** Claims of our choosing, signed with the app's own key: only the server's checks stand between them and the database. */
    const signed = (claims: Record<string, unknown>, header: { typ: string; aud: string; exp?: number; iat?: number }) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: signing.alg, kid: signing.kid, typ: header.typ })
        .setIssuer('sesame')
        .setAudience(header.aud)
        .setIssuedAt(header.iat ?? now)
        .setExpirationTime(header.exp ?? now + 600)
        .sign(signing.privateKey);
    const accessClaims = { sub: user.userId, jti: randomUUID(), sid: user.sessionId, aal: 'aal1', amr: ['pwd'], auth_time: now, roles: [] };
    const AT = { typ: 'at+jwt', aud: 'sesame' };
    const MT = { typ: 'mfa+jwt', aud: 'sesame:mfa' };

    const other = signing.alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const wrongKey = await new SignJWT(accessClaims)
      .setProtectedHeader({ alg: signing.alg, kid: signing.kid, typ: 'at+jwt' })
      .setIssuer('sesame')
      .setAudience('sesame')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(other.privateKey);
    const real = user.accessToken;
    const [h, p, s] = real.split('.');
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`;

    const list: Array<string | Promise<string>> = [
      // Not tokens at all.
      'abc',
      'null',
      'a.b.c',
      '...',
      'eyJ.eyJ.',
      'A'.repeat(9000),
      `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(accessClaims)}.`,
      `${b64({ alg: 'HS256', typ: 'at+jwt', kid: signing.kid })}.${b64(accessClaims)}.${b64('sig')}`,
      `${b64({ alg: signing.alg, kid: 'unknown-kid', typ: 'at+jwt' })}.${b64(accessClaims)}.${s}`,
      `${b64('not json')}.${b64('not json')}.${s}`,
      `${h}.${b64({ ...accessClaims, roles: ['admin'] })}.${s}`,
      flipped,
      wrongKey,
      // Validly signed, refused by the claims.
      signed(accessClaims, { ...AT, exp: now - 10 }),
      signed(accessClaims, { ...AT, iat: now + 3600 }),
      signed(accessClaims, { typ: 'at+jwt', aud: 'sesame:mfa' }),
      signed(accessClaims, { typ: 'mfa+jwt', aud: 'sesame' }),
      signed({ ...accessClaims, aal: 'aal3' }, AT),
      signed({ ...accessClaims, amr: 'pwd' }, AT),
      signed({ ...accessClaims, roles: 'admin' }, AT),
      signed({ ...accessClaims, auth_time: 'yesterday' }, AT),
      signed({ ...accessClaims, auth_time: 1e20 }, AT),
      signed({ ...accessClaims, sid: undefined }, AT),
      signed({ ...accessClaims, sid: 42 }, AT),
      signed({ ...accessClaims, sub: randomUUID() }, AT),
      signed({ ...accessClaims, sid: randomUUID() }, AT),
      signed({ ...accessClaims, sid: user.sessionId.toUpperCase() }, AT),
      signed({ ...accessClaims, roles: ['admin'] }, AT),
      signed({ sub: user.userId, jti: randomUUID(), purpose: 'admin' }, MT),
      signed({ sub: user.userId, jti: randomUUID(), purpose: 'login', sid: 7 }, MT),
      // Ids that are not UUIDs, in tokens the server itself could have signed.
      ...notUuids.flatMap((bad) => [
        tokens.signAccess({ ...access, sid: bad }),
        tokens.signAccess({ ...access, sub: bad }),
        signed({ ...accessClaims, jti: bad }, AT),
        ...(['login', 'enroll', 'step_up'] as const).flatMap((purpose) => [
          tokens.signMfa({ sub: user.userId, jti: bad, purpose, sid: null }, 300),
          tokens.signMfa({ sub: bad, jti: randomUUID(), purpose, sid: null }, 300),
          tokens.signMfa({ sub: user.userId, jti: randomUUID(), purpose, sid: bad }, 300),
        ]),
      ]),
    ];
    return Promise.all(list);
  }
}
