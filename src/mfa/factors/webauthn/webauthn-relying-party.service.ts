import { Injectable, Logger } from '@nestjs/common';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { WebauthnConfig } from '../../../config/app-config.js';
import { InjectWebauthnConfig } from '../../../config/config.tokens.js';
import type { CredentialDeviceType } from './webauthn-credential.entity.js';
import { failureOf, knownTransports, type CeremonyFailure } from './webauthn-response.js';

/** How long a client may take over a ceremony; the stored challenge lives exactly as long (security.md: short-lived). */
export const CEREMONY_TIMEOUT_SECONDS = 120;

/** A credential as the relying party knows it (WebAuthn L3 §4 "Credential Record"). */
export interface StoredCredential {
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
}

export interface RegisteredCredential {
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  deviceType: CredentialDeviceType;
  backedUp: boolean;
  aaguid: string;
}

export interface AssertedCredential {
  newCounter: number;
  deviceType: CredentialDeviceType;
  backedUp: boolean;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: CeremonyFailure };

/**
 * The relying party's side of both WebAuthn ceremonies, and the only code
 * that calls @simplewebauthn/server. The RP ID and the allowed origins come
 * from configuration, never from the request (the origin and rpIdHash checks
 * of WebAuthn §7.1 and §7.2). Every verification is caught: whatever a
 * client sends, the answer is an outcome, never an exception with library
 * text. Generating options reads no client input.
 */
@Injectable()
export class WebauthnRelyingPartyService {
  private readonly logger = new Logger('WebAuthn');

  constructor(@InjectWebauthnConfig() private readonly webauthn: WebauthnConfig) {}

  registrationOptions(user: { id: string; email: string }, exclude: StoredCredential[]): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return generateRegistrationOptions({
      rpName: this.webauthn.rpName,
      rpID: this.webauthn.rpId,
      userName: user.email,
      userDisplayName: user.email,
      // WebAuthn §14.6.1: the user handle carries no personal data, so it is the account id, not the email.
      userID: new TextEncoder().encode(user.id),
      timeout: CEREMONY_TIMEOUT_SECONDS * 1000,
      attestationType: 'none',
      // WebAuthn §5.4: an authenticator that already holds one of this account's credentials is not asked for another.
      excludeCredentials: exclude.map((c) => ({ id: c.credentialId, transports: c.transports })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
  }

  authenticationOptions(credential: StoredCredential): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return generateAuthenticationOptions({
      rpID: this.webauthn.rpId,
      allowCredentials: [{ id: credential.credentialId, transports: credential.transports }],
      timeout: CEREMONY_TIMEOUT_SECONDS * 1000,
      userVerification: 'preferred',
    });
  }

  /** WebAuthn §7.1, against the stored challenge. */
  async verifyRegistration(response: RegistrationResponseJSON, expectedChallenge: string): Promise<Outcome<RegisteredCredential>> {
    try {
      const result = await verifyRegistrationResponse({
        response,
        expectedChallenge,
        expectedOrigin: this.webauthn.origins,
        expectedRPID: this.webauthn.rpId,
        // The password was the first factor; the key is the second, user verification or not (NIST SP 800-63B §5.1.7).
        requireUserVerification: false,
      });
      if (!result.verified) return this.refused('registration', 'signature');
      const info = result.registrationInfo;
      return {
        ok: true,
        value: {
          credentialId: info.credential.id,
          publicKey: info.credential.publicKey,
          counter: info.credential.counter,
          transports: knownTransports(info.credential.transports),
          deviceType: info.credentialDeviceType,
          backedUp: info.credentialBackedUp,
          aaguid: info.aaguid,
        },
      };
    } catch (error) {
      return this.refused('registration', failureOf(error));
    }
  }

  /**
   * WebAuthn §7.2, against the stored challenge and credential. The library
   * refuses a signature counter that does not move forward (§6.1.1) unless
   * both the stored and the new count are 0.
   */
  async verifyAuthentication(
    response: AuthenticationResponseJSON,
    expectedChallenge: string,
    credential: StoredCredential,
  ): Promise<Outcome<AssertedCredential>> {
    // WebAuthn §7.2: the response must name a credential from allowCredentials; the library does not check this.
    if (response.id !== credential.credentialId || response.rawId !== credential.credentialId) {
      return this.refused('authentication', 'credential');
    }
    try {
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge,
        expectedOrigin: this.webauthn.origins,
        expectedRPID: this.webauthn.rpId,
        credential: {
          id: credential.credentialId,
          publicKey: new Uint8Array(credential.publicKey),
          counter: credential.counter,
          transports: credential.transports,
        },
        requireUserVerification: false,
      });
      if (!result.verified) return this.refused('authentication', 'signature');
      const info = result.authenticationInfo;
      return { ok: true, value: { newCounter: info.newCounter, deviceType: info.credentialDeviceType, backedUp: info.credentialBackedUp } };
    } catch (error) {
      return this.refused('authentication', failureOf(error));
    }
  }

  /** The kind of failure is logged (a wrong origin or RP ID is usually configuration); the library's text is not. */
  private refused(ceremony: 'registration' | 'authentication', failure: CeremonyFailure): { ok: false; failure: CeremonyFailure } {
    this.logger.warn(`${ceremony} response refused: ${failure}`);
    return { ok: false, failure };
  }
}
