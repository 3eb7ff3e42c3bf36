import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from '../vocabulary/access.decorators.js';
import type { AccessPrincipal, MfaPrincipal } from '../vocabulary/principal.js';
import { FACTOR_TYPES } from '../vocabulary/factor-type.js';
import { MfaHelpService } from './mfa-help.service.js';

class HelpFactorDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: FACTOR_TYPES }) type: string;
  @ApiProperty({ example: '+44 •••• ••• 456' }) label: string;
}
class RecoveryCodesHelpDto {
  @ApiProperty() available: boolean;
  @ApiProperty({ example: 9 }) remaining: number;
}
class AvailableDto {
  @ApiProperty() available: boolean;
}
class HelpStepDto {
  @ApiProperty({ example: 'remove_the_lost_phone' }) step: string;
  @ApiProperty({ example: 'DELETE /me/mfa/factors/{id}' }) route: string;
}
export class MfaHelpDto {
  @ApiProperty({ type: [HelpFactorDto], description: 'Factors that can complete a sign-in now (masked)' }) factors: HelpFactorDto[];
  @ApiProperty({ type: RecoveryCodesHelpDto }) recoveryCodes: RecoveryCodesHelpDto;
  @ApiProperty({ type: AvailableDto, description: 'An active email-code factor the policy allows' }) emailCode: AvailableDto;
  @ApiProperty({ type: [HelpStepDto], description: 'The lost-phone path, in order' }) lostPhone: HelpStepDto[];
  @ApiProperty({ type: AvailableDto, description: 'An administrator can reset the second factors' }) adminReset: AvailableDto;
}

@ApiTags('me')
@ApiBearerAuth()
@Controller('me/mfa/help')
export class MfaHelpController {
  constructor(private readonly help: MfaHelpService) {}

  @Get()
  @Authenticated({ mfaPurposes: ['login', 'enroll', 'step_up'] })
  @ApiOperation({ summary: 'My recovery options (access token, or the mfaToken of a sign-in in progress)' })
  @ApiOkResponse({ type: MfaHelpDto })
  get(@CurrentPrincipal() principal: AccessPrincipal | MfaPrincipal) {
    return this.help.helpFor(principal.userId);
  }
}
