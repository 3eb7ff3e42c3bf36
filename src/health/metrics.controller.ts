import { Controller, Get, Header } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { register, collectDefaultMetrics } from 'prom-client';
import { Public } from '../auth/guards/access.decorators.js';

let defaultsCollected = false;

/** Prometheus scrape endpoint. Metrics carry counts and labels only, never codes or numbers. */
@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor() {
    if (!defaultsCollected) {
      collectDefaultMetrics({ prefix: 'sesame_' });
      defaultsCollected = true;
    }
  }

  @Get()
  @Public()
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}
