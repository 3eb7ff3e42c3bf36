import { Injectable } from '@nestjs/common';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { Database } from '../../../database/database.js';
import { AuditService } from '../../../audit/audit.service.js';
import { SessionUpgradeService } from '../../../sessions/session-upgrade.service.js';
import { type TokensResponse } from '../../../tokens/token.service.js';
import { validationFailed } from '../../../common/errors/problem.exception.js';
import { FactorChangePolicyService } from '../../factor-change-policy.service.js';
import { MfaException } from '../../mfa.exception.js';
import type { FactorContext } from '../../mfa-factor.js';
import { toFactorView, type FactorView } from '../../mfa-factors.service.js';
import { bindingOf } from '../../challenge-binding.js';
import { WebauthnChallengesService } from './webauthn-challenges.service.js';
import { WebauthnCredentialsService } from './webauthn-credentials.service.js';
import { WebauthnRelyingPartyService } from './webauthn-relying-party.service.js';
import { amrOf, claimedChallenge, defaultLabel, readRegistrationResponse } from './webauthn-response.js';

/** The new factor, plus the tokens when registering it completed an enrolment-required login. */
export type RegisteredFactor = FactorView & Partial<Omit<TokensResponse, 'status'>>;

/**
 * Registering a passkey or security key (WebAuthn L3 §7.1). The credential
 * is active as soon as the registration response verifies: creating it
 * already proved the authenticator answered this server's challenge, from an
 * allowed origin, for this RP ID.
 */
@Injectable()
export class WebauthnRegistrationService {
  constructor(
    private readonly db: Database,
    private readonly challenges: WebauthnChallengesService,
    private readonly credentials: WebauthnCredentialsService,
    private readonly relyingParty: WebauthnRelyingPartyService,
    private readonly changes: FactorChangePolicyService,
    private readonly upgrades: SessionUpgradeService,
    private readonly audit: AuditService,
  ) {}

  /** Creation options for `navigator.credentials.create()`; the challenge is kept, bound to the caller. */
  async options(context: FactorContext): Promise<PublicKeyCredentialCreationOptionsJSON> {
    await this.changes.assertMayEnrol(context.principal, 'webauthn');
    const existing = await this.credentials.listForUser(context.user.id);
    const options = await this.relyingParty.registrationOptions(context.user, existing);
    await this.challenges.create({ purpose: 'register', challenge: options.challenge, factorId: null, binding: bindingOf(context.principal) });
    return options;
  }

  async register(credential: unknown, label: string | undefined, context: FactorContext): Promise<RegisteredFactor> {
    const { principal, meta } = context;
    await this.changes.assertMayEnrol(principal, 'webauthn');
    const response = readRegistrationResponse(credential);
    const claimed = claimedChallenge(response.response.clientDataJSON);
    if (!claimed) throw validationFailed([{ field: 'credential.response.clientDataJSON', message: 'must be client data with a challenge' }]);

    // Spent before the response is checked, so that a replayed response finds it gone whatever the outcome.
    const spent = await this.challenges.consumeRegistration(bindingOf(principal), claimed);
    switch (spent.status) {
      case 'used':
        throw new MfaException('MFA_CHALLENGE_USED', { detail: 'Ask for new registration options.' });
      case 'expired':
        throw new MfaException('MFA_CHALLENGE_EXPIRED', { detail: 'Ask for new registration options.' });
      case 'missing':
        throw invalidResponse();
      case 'consumed':
        break;
    }
    const verified = await this.relyingParty.verifyRegistration(response, spent.challenge.challenge);
    if (!verified.ok) throw invalidResponse();
    const registered = verified.value;
    if (await this.credentials.isRegistered(registered.credentialId)) {
      throw new MfaException('CONFLICT', { detail: 'This authenticator is already registered.' });
    }

    const amr = amrOf(registered);
    const { factor, tokens } = await this.db.transaction(async (tx) => {
      const created = await this.credentials.createActive(principal.userId, label ?? defaultLabel(registered), registered, tx);
      const metadata = { factorId: created.id, factorType: 'webauthn', deviceType: registered.deviceType, aaguid: registered.aaguid };
      await this.audit.record({ type: 'mfa.factor.enrolled', userId: principal.userId, meta, metadata }, tx);
      await this.audit.record({ type: 'mfa.factor.activated', userId: principal.userId, meta, metadata }, tx);
      // With the enrolment mfaToken the new factor is also the login's second factor (api.md: mfa_enrollment_required).
      const issued = principal.kind === 'mfa' ? await this.upgrades.completeSecondFactor(principal, amr, meta, tx) : null;
      return { factor: created, tokens: issued };
    });
    const view = toFactorView(factor);
    if (!tokens) return view;
    const { status: _status, ...credentials } = tokens;
    return { ...view, ...credentials };
  }
}

/** One answer for every way a registration response can fail to verify; the reason stays on the server. */
function invalidResponse() {
  return new MfaException('MFA_INVALID_CODE', { detail: 'The authenticator response could not be verified. Try again.' });
}
