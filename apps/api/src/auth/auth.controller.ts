import { Body, Controller, Get, HttpCode, Ip, Post, UnauthorizedException, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { StaffRepository } from '@sanxian/persistence';
import { Access } from './access-policy';
import { CurrentStaff, CurrentToken, StaffPrincipal, StaffToken } from './staff-principal';
import { StaffAuthGuard } from './staff-auth.guard';
import { SignInService } from './sign-in.service';
import type { Me, TokenResponse } from '@sanxian/api-types';

@ApiTags('staff')
@Controller('v1')
export class AuthController {
  constructor(
    private readonly staff: StaffRepository,
    private readonly signIns: SignInService,
  ) {}

  @Post('auth/token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in: username and password for a short-lived bearer token' })
  @ApiResponse({ status: 400, description: 'no username or password, or one that cannot be one (`errors` names it)' })
  @ApiResponse({ status: 401, description: 'wrong username or password (or a disabled account)' })
  @ApiResponse({ status: 429, description: 'too many failed sign-ins for this username or address: Retry-After says when to try again' })
  @ApiResponse({ status: 503, description: 'too many sign-ins at once: Retry-After' })
  async token(@Body() body: unknown, @Ip() address: string): Promise<TokenResponse> {
    const { username, password } = this.signIns.credentials(body);
    const outcome = await this.signIns.signIn(username, password, address);
    if ('refused' in outcome) {
      await this.staff.audit({ userId: null, username, action: 'auth.token.refused', detail: { address } });
      throw new UnauthorizedException('wrong username or password');
    }
    const { user, accessToken, expiresAt } = outcome;
    await this.staff.audit({ userId: user.id, username: user.username, action: 'auth.token', detail: { address } });
    return { accessToken, tokenType: 'Bearer', expiresAt: expiresAt.toISOString(), user: { username: user.username, role: user.role, regionCode: user.regionCode } };
  }

  @Post('auth/sign-out')
  @HttpCode(204)
  @UseGuards(StaffAuthGuard)
  @Access('auth.sign-out')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Sign out: the bearer token is refused from now on (audited)' })
  async signOut(@CurrentStaff() staff: StaffPrincipal, @CurrentToken() token: StaffToken): Promise<void> {
    await this.staff.revokeToken(token.id, staff.userId, token.expiresAt);
    await this.staff.audit({ userId: staff.userId, username: staff.username, action: 'auth.sign-out', target: token.id });
  }

  @Get('me')
  @UseGuards(StaffAuthGuard)
  @Access('me.read')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The signed-in user, role and region scope' })
  me(@CurrentStaff() staff: StaffPrincipal): Me {
    return staff;
  }
}
