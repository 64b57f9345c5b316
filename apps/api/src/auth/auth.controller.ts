import { Body, Controller, Get, HttpCode, Post, UnauthorizedException, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JwtService } from '@nestjs/jwt';
import { StaffRepository } from '@sanxian/persistence';
import { CurrentStaff, StaffPrincipal } from './staff-principal';
import { StaffAuthGuard } from './staff-auth.guard';

@ApiTags('staff')
@Controller('v1')
export class AuthController {
  constructor(
    private readonly staff: StaffRepository,
    private readonly jwt: JwtService,
  ) {}

  @Post('auth/token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in: username and password for a short-lived bearer token' })
  async token(@Body() body: { username?: unknown; password?: unknown }) {
    if (typeof body?.username !== 'string' || typeof body?.password !== 'string') {
      throw new UnauthorizedException('send {"username": …, "password": …}');
    }
    const user = await this.staff.authenticate(body.username, body.password);
    if (!user) {
      await this.staff.audit({ userId: null, username: body.username, action: 'auth.token.refused' });
      throw new UnauthorizedException('wrong username or password');
    }
    const accessToken = await this.jwt.signAsync({ sub: user.id, role: user.role, region: user.regionCode });
    await this.staff.audit({ userId: user.id, username: user.username, action: 'auth.token' });
    const { exp } = this.jwt.decode<{ exp: number }>(accessToken);
    return { accessToken, tokenType: 'Bearer', expiresAt: new Date(exp * 1000).toISOString(), user: { username: user.username, role: user.role, regionCode: user.regionCode } };
  }

  @Get('me')
  @UseGuards(StaffAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The signed-in user, role and region scope' })
  me(@CurrentStaff() staff: StaffPrincipal) {
    return staff;
  }
}
