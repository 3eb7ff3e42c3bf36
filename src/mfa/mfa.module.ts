import { Global, Module } from '@nestjs/common';
import { FactorDirectory, type FactorSummary } from './factor-directory.js';

class NoFactorsDirectory extends FactorDirectory {
  async listActive(): Promise<FactorSummary[]> {
    return [];
  }
}

/** Second factors. Global so that the login flow can ask for a user's factors without an import cycle. */
@Global()
@Module({
  providers: [{ provide: FactorDirectory, useClass: NoFactorsDirectory }],
  exports: [FactorDirectory],
})
export class MfaModule {}
