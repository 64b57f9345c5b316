import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { RegionScope, StaffRole } from '@sanxian/domain';

/** The signed-in staff user of a request, with the region scope every scoped query takes. */
export interface StaffPrincipal {
  userId: string;
  username: string;
  role: StaffRole;
  regionCode: string | null;
  scope: RegionScope;
}

/** The bearer token a request came with: what sign-out ends. */
export interface StaffToken {
  id: string;
  expiresAt: Date;
}

export const CurrentStaff = createParamDecorator((_: unknown, ctx: ExecutionContext): StaffPrincipal => {
  return (ctx.switchToHttp().getRequest() as { staff: StaffPrincipal }).staff;
});

export const CurrentToken = createParamDecorator((_: unknown, ctx: ExecutionContext): StaffToken => {
  return (ctx.switchToHttp().getRequest() as { staffToken: StaffToken }).staffToken;
});
