import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../vocabulary/access.decorators.js';
import { ApiProblems } from '../common/openapi/api-problems.decorator.js';
import { HealthResultDto } from './dto/health.dto.js';
import { RedisHealthIndicator } from './redis.health.js';

/**
 * Liveness and readiness through @nestjs/terminus. A failed check is a 503
 * that leaves through the problem+json filter like every other framework
 * error (code UNAVAILABLE, without the failing checks' messages); terminus
 * logs which check failed and why.
 */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  /** The process is up and serving HTTP. */
  @Get('live')
  @Public()
  // Terminus documents its own 503 body; ours is problem+json.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOkResponse({ type: HealthResultDto, description: 'The process is serving HTTP.' })
  live() {
    return this.health.check([]);
  }

  /** Ready for traffic: the database answers, and so does Redis when REDIS_URL is set. */
  @Get('ready')
  @Public()
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOkResponse({ type: HealthResultDto, description: 'Every dependency answers.' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down or shutdown has begun' })
  @ApiProblems('UNAVAILABLE')
  ready() {
    return this.health.check([
      () => this.database.pingCheck('database'),
      ...(this.redis.configured ? [() => this.redis.pingCheck('redis')] : []),
    ]);
  }
}
