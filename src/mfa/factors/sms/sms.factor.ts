import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { validationFailed } from '../../../common/errors/problem.exception.js';
import type { Factor } from '../../factor.entity.js';
import { MfaException } from '../../mfa.exception.js';
import type { ActivateInput, FactorContext, MfaFactor, SecondFactorProof, VerifyInput } from '../../mfa-factor.js';
import { MfaFactorsService, isUuid } from '../../mfa-factors.service.js';
import { bindingOf } from '../../challenge-binding.js';
import { SmsChallengeService } from './sms-challenge.service.js';
import { SmsChallenge } from './sms-challenge.entity.js';

/** SMS one-time codes (RFC 8176 amr `sms`): a challenge per login, a code sent to the stored number. */
@Injectable()
export class SmsFactor implements MfaFactor {
  readonly type = 'sms' as const;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly challenges: SmsChallengeService,
    private readonly factors: MfaFactorsService,
  ) {}

  startChallenge(factor: Factor, context: FactorContext) {
    const purpose = context.principal.kind === 'mfa' ? context.principal.purpose : 'step_up';
    return this.challenges.start(factor, purpose, bindingOf(context.principal), { meta: context.meta, userLocale: context.user.locale });
  }

  async challengeState(challengeId: string, userId: string): Promise<'none' | 'open' | 'consumed'> {
    if (!isUuid(challengeId)) return 'none';
    const challenge = await this.dataSource.manager.findOneBy(SmsChallenge, { id: challengeId, userId });
    return !challenge ? 'none' : challenge.consumedAt ? 'consumed' : 'open';
  }

  async verify(input: VerifyInput, context: FactorContext): Promise<SecondFactorProof> {
    const { challengeId, code } = requireCode(input);
    const verified = await this.challenges.check(challengeId, code, bindingOf(context.principal), context.meta);
    if (verified.challenge.purpose === 'enroll') throw new MfaException('NOT_FOUND');
    const factor = await this.factors.findOwned(context.user.id, verified.challenge.factorId);
    // A factor removed (or never activated) since the challenge began cannot complete a login.
    if (!factor || factor.status !== 'active') throw new MfaException('NOT_FOUND');
    return { factorId: factor.id, amr: 'sms', consume: (manager: EntityManager) => verified.consume(manager) };
  }

  async activate(factor: Factor, input: ActivateInput, context: FactorContext): Promise<SecondFactorProof> {
    const { challengeId, code } = requireCode(input);
    const verified = await this.challenges.check(challengeId, code, bindingOf(context.principal), context.meta);
    if (verified.challenge.factorId !== factor.id || verified.challenge.purpose !== 'enroll') throw new MfaException('NOT_FOUND');
    return {
      factorId: factor.id,
      amr: 'sms',
      consume: async (manager: EntityManager) => {
        await verified.consume(manager);
        if (!(await this.factors.activate(factor.id, manager))) throw new MfaException('CONFLICT', { detail: 'The factor is already active.' });
      },
    };
  }
}


function requireCode(input: { challengeId?: string; code?: string }): { challengeId: string; code: string } {
  const errors = [];
  if (typeof input.challengeId !== 'string') errors.push({ field: 'challengeId', message: 'is required for an SMS code' });
  if (typeof input.code !== 'string') errors.push({ field: 'code', message: 'is required' });
  if (errors.length > 0) throw validationFailed(errors);
  return { challengeId: input.challengeId!, code: input.code! };
}
