import { CanActivate, ExecutionContext, ForbiddenException, Injectable, SetMetadata, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { StaffRole, scopeFor } from '@sanxian/domain';
import { StaffRepository } from '@sanxian/persistence';
import { StaffPrincipal } from './staff-principal';

const ROLES = 'staff-roles';
/** The roles allowed on a route (all staff when absent). */
export const Roles = (...roles: StaffRole[]) => SetMetadata(ROLES, roles);

/** Bearer tokens of staff users: verified, the account still enabled, the role allowed here. */
@Injectable()
export class StaffAuthGuard implements CanActivate {
  constructor(
    private readonly jwt: JwtService,
    private readonly staff: StaffRepository,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; staff?: StaffPrincipal }>();
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    if (scheme !== 'Bearer' || !token) throw new UnauthorizedException('send Authorization: Bearer <token> from POST /v1/auth/token');
    let claims: { sub: string };
    try {
      claims = await this.jwt.verifyAsync(token);
    } catch {
      throw new UnauthorizedException('the token is invalid or has expired: sign in again');
    }
    const user = await this.staff.findEnabled(claims.sub);
    if (!user) throw new UnauthorizedException('the account is unknown or disabled');
    const allowed = this.reflector.getAllAndOverride<StaffRole[] | undefined>(ROLES, [context.getHandler(), context.getClass()]);
    if (allowed && !allowed.includes(user.role)) throw new ForbiddenException(`a ${user.role} user may not do this`);
    request.staff = { userId: user.id, username: user.username, role: user.role, regionCode: user.regionCode, scope: scopeFor(user.role, user.regionCode) };
    return true;
  }
}
