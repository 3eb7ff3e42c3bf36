import { Controller, Delete, Get, HttpCode } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from '../vocabulary/access.decorators.js';
import type { AccessPrincipal } from '../vocabulary/principal.js';
import { ReqMeta, type RequestMeta } from '../common/http/request-meta.js';
import { PolicyService } from '../policy/policy.service.js';
import { TrustedDeviceDto } from './dto/mfa-responses.dto.js';
import { TrustedDevicesService } from './trusted-devices.service.js';
import { UuidParam } from '../common/http/uuid-param.js';
import { MfaException } from './mfa.exception.js';

function noSuchDevice() {
  return new MfaException('NOT_FOUND', { detail: 'No such device.' });
}

/** The devices a user asked to be remembered (POST /auth/mfa/verify with `rememberDevice`). */
@ApiTags('me')
@ApiBearerAuth()
@Controller('me/devices')
export class MeDevicesController {
  constructor(
    private readonly devices: TrustedDevicesService,
    private readonly policy: PolicyService,
  ) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'My remembered devices that can still skip the second factor at login' })
  @ApiOkResponse({ type: [TrustedDeviceDto], description: 'Newest first; never the device token' })
  async list(@CurrentPrincipal() principal: AccessPrincipal) {
    const rule = await this.policy.ruleFor(principal.user);
    return (await this.devices.list(principal.userId, rule.rememberDeviceMaxAgeSeconds)).map((d) => ({
      id: d.id,
      label: d.label,
      createdAt: d.createdAt.toISOString(),
      expiresAt: d.expiresAt.toISOString(),
      lastUsedAt: d.lastUsedAt?.toISOString() ?? null,
    }));
  }

  @Delete(':id')
  @Authenticated()
  @HttpCode(204)
  @ApiOperation({ summary: 'Forget a device: its next login asks for the second factor again' })
  @ApiNoContentResponse({ description: 'Revoked (audited)' })
  async revoke(@UuidParam('id', noSuchDevice) id: string, @CurrentPrincipal() principal: AccessPrincipal, @ReqMeta() meta: RequestMeta): Promise<void> {
    await this.devices.revoke(principal.userId, id, { actorId: null, meta });
  }
}
