import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Header, Headers } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { register, collectDefaultMetrics } from 'prom-client';
import { Public } from '../vocabulary/access.decorators.js';
import { CommonException } from '../common/errors/problem.exception.js';
import { ApiProblems } from '../common/openapi/api-problems.decorator.js';
import type { MetricsAccess } from '../config/app-config.js';
import { InjectMetricsConfig } from '../config/config.tokens.js';

let defaultsCollected = false;

/**
 * Prometheus scrape endpoint. Metrics carry counts and labels only, never codes
 * or numbers, but SMS volume per country is still for operators only: with
 * METRICS_TOKEN set a scrape needs `Authorization: Bearer <METRICS_TOKEN>`, and
 * production without one does not serve metrics at all.
 */
@ApiTags('operations')
@ApiBearerAuth('metricsToken')
@Controller('metrics')
export class MetricsController {
  /** SHA-256 of the token, so the comparison is over equal lengths and takes the same time whatever is sent. */
  private readonly tokenDigest: Buffer | null;

  constructor(@InjectMetricsConfig() private readonly access: MetricsAccess) {
    if (!defaultsCollected) {
      collectDefaultMetrics({ prefix: 'sesame_' });
      defaultsCollected = true;
    }
    this.tokenDigest = access.mode === 'token' ? digest(access.token) : null;
  }

  @Get()
  // No user session: a scraper proves itself with METRICS_TOKEN, checked here.
  @Public()
  @Header('Content-Type', register.contentType)
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' }, example: '# HELP sesame_sms_messages_total SMS messages by outcome\n# TYPE sesame_sms_messages_total counter\nsesame_sms_messages_total{provider="vonage",country="GB",status="sent"} 120\n' } } })
  @ApiProblems('UNAUTHENTICATED', 'NOT_FOUND')
  metrics(@Headers('authorization') authorization?: string): Promise<string> {
    const access = this.access;
    // Answered like any unknown route, so the endpoint does not announce itself.
    if (access.mode === 'off') throw new CommonException('NOT_FOUND');
    if (access.mode === 'token' && !this.presents(authorization)) {
      throw new CommonException('UNAUTHENTICATED', { headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' } });
    }
    return register.metrics();
  }

  private presents(authorization: string | undefined): boolean {
    const token = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
    return token !== undefined && this.tokenDigest !== null && timingSafeEqual(digest(token), this.tokenDigest);
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
