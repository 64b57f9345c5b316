import { CanActivate, ExecutionContext, ForbiddenException, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { COUNTY_SCOPE, scopeFor } from '@sanxian/domain';
import { StaffRepository } from '@sanxian/persistence';
import { ACCESS, ACCESS_POLICY, Operation, reachOf } from './access-policy';
import { StaffPrincipal, StaffToken } from './staff-principal';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The claims of a staff token, or undefined when any is missing or malformed. */
export function staffTokenClaims(claims: unknown): { sub: string; jti: string; gen: number; exp: number } | undefined {
  const c = claims as Record<string, unknown> | null;
  if (!c || typeof c !== 'object') return undefined;
  const { sub, jti, gen, exp } = c;
  if (typeof sub !== 'string' || !UUID.test(sub) || typeof jti !== 'string' || !UUID.test(jti)) return undefined;
  if (!Number.isSafeInteger(gen) || (gen as number) < 0 || !Number.isSafeInteger(exp)) return undefined;
  return { sub, jti, gen: gen as number, exp: exp as number };
}

/**
 * Staff bearer tokens: signed with the hub's key, of a user still enabled, of their current token
 * generation and not signed out; then the route's entry of ACCESS_POLICY decides whether the role
 * may call it, and how far it reaches (the scope the queries take).
 */
@Injectable()
export class StaffAuthGuard implements CanActivate {
  private readonly logger = new Logger(StaffAuthGuard.name);

  constructor(
    private readonly jwt: JwtService,
    private readonly staff: StaffRepository,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; staff?: StaffPrincipal; staffToken?: StaffToken }>();
    const operation = this.reflector.get<Operation | undefined>(ACCESS, context.getHandler());
    if (!operation || !(operation in ACCESS_POLICY)) {
      // Deny by default: a staff route nobody wrote a rule for is a mistake, not an open door.
      this.logger.error(`${context.getClass().name}.${context.getHandler().name} has no @Access rule: refused`);
      throw new ForbiddenException('this endpoint has no access rule');
    }
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    if (scheme !== 'Bearer' || !token) throw new UnauthorizedException('send Authorization: Bearer <token> from POST /v1/auth/token');
    let claims;
    try {
      claims = staffTokenClaims(await this.jwt.verifyAsync(token));
    } catch {
      throw new UnauthorizedException('the token is invalid or has expired: sign in again');
    }
    if (!claims) throw new UnauthorizedException('the token is invalid or has expired: sign in again');
    const user = await this.staff.findTokenHolder(claims.sub, claims.jti, claims.gen);
    if (!user) throw new UnauthorizedException('the token was signed out, or the account is unknown or disabled: sign in again');
    const reach = reachOf(operation, user.role);
    if (!reach) throw new ForbiddenException(`a ${user.role} user may not do this`);
    request.staff = {
      userId: user.id, username: user.username, role: user.role, regionCode: user.regionCode,
      scope: reach === 'own-township' ? scopeFor(user.role, user.regionCode) : COUNTY_SCOPE,
    };
    request.staffToken = { id: claims.jti, expiresAt: new Date(claims.exp * 1000) };
    return true;
  }
}
