import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { STAFF_ROLES } from '@sanxian/domain';
import { StaffRepository } from '@sanxian/persistence';
import { Access } from '../auth/access-policy';
import { StaffAuthGuard } from '../auth/staff-auth.guard';
import { CurrentStaff, StaffPrincipal } from '../auth/staff-principal';
import { auditUser } from '../reconciliation/discrepancy.controller';
import { enumParam, regionParam } from '../reconciliation/staff-query';
import type { StaffEntry } from '@sanxian/api-types';

/**
 * The staff directory, for the console's pickers (the assignee of discrepancies): the enabled
 * users with their role and region, never a password hash. For the county's staff who assign work.
 */
@ApiTags('staff')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'no valid bearer token' })
@ApiResponse({ status: 403, description: 'not an admin or county user' })
@UseGuards(StaffAuthGuard)
@Controller('v1/staff')
export class StaffDirectoryController {
  constructor(private readonly staffUsers: StaffRepository) {}

  @Get()
  @Access('staff.directory')
  @ApiOperation({ summary: 'Enabled staff users by username: id, username, role, regionCode' })
  @ApiQuery({ name: 'role', required: false, enum: STAFF_ROLES })
  @ApiQuery({ name: 'region', required: false, description: 'a 6-, 9- or 12-digit region code: users whose region lies inside it (county-wide users have none)' })
  async list(@CurrentStaff() staff: StaffPrincipal, @Query('role') role?: string, @Query('region') region?: string): Promise<{ items: StaffEntry[] }> {
    const filter = { role: enumParam('role', role, STAFF_ROLES), regionCode: regionParam('region', region) };
    const items = await this.staffUsers.directory(filter);
    await this.staffUsers.audit({ ...auditUser(staff), action: 'staff.list', detail: { filter, count: items.length, ids: items.map((u) => u.id) } });
    return { items };
  }
}
