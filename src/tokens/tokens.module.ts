import { Module } from '@nestjs/common';
import { TokenService } from './token.service.js';
import { VerificationKeys } from './verification-keys.js';

/** Signing access tokens and mfaTokens, the published JWKS, and the verification keys by kid. */
@Module({
  providers: [TokenService, VerificationKeys],
  exports: [TokenService, VerificationKeys],
})
export class TokensModule {}
