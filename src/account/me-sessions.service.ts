import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { CommonException } from '../common/errors/problem.exception.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import { isUuid } from '../common/validation/fields.js';
import type { Session } from '../sessions/session.entity.js';
import { SessionsService } from '../sessions/sessions.service.js';
import type { AccessPrincipal } from '../vocabulary/principal.js';
import type { SessionViewDto } from './dto/account.dto.js';

/** The user's own sessions: list them, end one, end all but this one. */
@Injectable()
export class MeSessionsService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  async list(principal: AccessPrincipal): Promise<SessionViewDto[]> {
    const now = this.clock.now().getTime();
    const live = (await this.sessions.listActiveForUser(principal.userId)).filter((s) => s.expiresAt.getTime() > now);
    return live.map((s) => viewOf(s, principal.sessionId));
  }

  async revoke(principal: AccessPrincipal, sessionId: string, meta: RequestMeta): Promise<void> {
    const session = isUuid(sessionId) ? await this.sessions.findActive(sessionId) : null;
    if (!session || session.userId !== principal.userId) throw new CommonException('NOT_FOUND', { detail: 'No such session.' });
    await this.sessions.revoke(session.id, 'user');
    await this.audit.record({ type: 'session.revoked', userId: principal.userId, meta, metadata: { reason: 'user', sessionId: session.id, count: 1 } });
  }

  async revokeOthers(principal: AccessPrincipal, meta: RequestMeta): Promise<void> {
    const count = await this.sessions.revokeAllForUser(principal.userId, 'user_signed_out_others', principal.sessionId);
    await this.audit.record({ type: 'session.revoked', userId: principal.userId, meta, metadata: { reason: 'user_signed_out_others', count } });
  }
}

function viewOf(s: Session, currentId: string): SessionViewDto {
  return {
    id: s.id,
    current: s.id === currentId,
    aal: s.aal,
    amr: s.amr,
    ip: s.ip,
    userAgent: s.userAgent,
    device: describeDevice(s.userAgent),
    createdAt: s.createdAt.toISOString(),
    lastUsedAt: s.lastUsedAt.toISOString(),
  };
}

const BROWSERS: Array<[RegExp, string]> = [
  [/Edg\//, 'Edge'],
  [/OPR\//, 'Opera'],
  [/Firefox\//, 'Firefox'],
  [/Chrome\//, 'Chrome'],
  [/Safari\//, 'Safari'],
  [/curl\//, 'curl'],
];
const SYSTEMS: Array<[RegExp, string]> = [
  [/Android/, 'Android'],
  [/iPhone|iPad|iOS/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Linux/, 'Linux'],
];

/** "Firefox on Linux" from a user agent: enough to recognise a device in a list, nothing more is claimed. */
export function describeDevice(userAgent: string | null): string | null {
  if (!userAgent) return null;
  const browser = BROWSERS.find(([re]) => re.test(userAgent))?.[1];
  const system = SYSTEMS.find(([re]) => re.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? null;
}
