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

export const CurrentStaff = createParamDecorator((_: unknown, ctx: ExecutionContext): StaffPrincipal => {
  return (ctx.switchToHttp().getRequest() as { staff: StaffPrincipal }).staff;
});
