import { Injectable } from '@nestjs/common';
import {
  NotCorrectableError, assertHubCanApply, closingStatus, outsideAssigneeRegion, registryChangeFor, resolutionReceipts,
  type RegionScope, type RegistryChange, type ResolutionAction, type StaffRole,
} from '@sanxian/domain';
import {
  DiscrepancyRepository, ReceiptRepository, RegistryRepository, StaffRepository, UnitOfWork, audit, auditEach,
  type DiscrepancyRecord, type Transaction, type DiscrepancyStatus, type LockedDiscrepancy, type StaffRef,
} from '@sanxian/persistence';

export type ResolveOutcome =
  | { outcome: 'not-found' }
  | { outcome: 'not-open'; status: DiscrepancyStatus }
  | { outcome: 'resolved'; discrepancy: DiscrepancyRecord; change: RegistryChange | null };

export type AssignOutcome =
  | { outcome: 'no-assignee'; assigneeId: string }
  | { outcome: 'assignee-cannot-resolve'; role: StaffRole }
  | { outcome: 'not-found'; ids: string[] }
  | { outcome: 'out-of-region'; ids: string[]; assignee: Assignee }
  | { outcome: 'assigned'; ids: string[]; assignee: Assignee | null };

/** Who work is given to: a township user only inside their township or village (regionCode), a county-wide user anywhere (null). */
export interface Assignee extends StaffRef {
  regionCode: string | null;
}

/**
 * Staff's actions on discrepancies: resolve and assign. Each is one transaction opened here, so that
 * the status, the registry correction, the receipts to the agencies and the audit entry commit
 * together or not at all.
 */
@Injectable()
export class DiscrepancyWorkflow {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly discrepancies: DiscrepancyRepository,
    private readonly registry: RegistryRepository,
    private readonly receipts: ReceiptRepository,
    private readonly staffUsers: StaffRepository,
  ) {}

  /**
   * Closes an open discrepancy by staff decision: the status and resolution; for accept-agency the
   * registry change (NotCorrectableError when it cannot be made, which rolls everything back) and
   * its provenance; the receipts resolutionReceipts names; and the audit entry.
   */
  async resolve(scope: RegionScope, id: string, input: { action: ResolutionAction; comment: string; staff: StaffRef }): Promise<ResolveOutcome> {
    return this.unitOfWork.run(async (tx) => {
      const locked = await this.discrepancies.lockInScope(tx, scope, id);
      if (!locked) return { outcome: 'not-found' };
      if (locked.status !== 'open') return { outcome: 'not-open', status: locked.status };
      const { action, comment, staff } = input;
      const change = action === 'accept-agency' ? registryChangeFor(locked) : null;
      const correctedCard = change ? await this.correctRegistry(tx, locked, change, staff) : null;

      const at = new Date();
      const discrepancy = await this.discrepancies.close(tx, id, {
        status: closingStatus(action), closedAt: at, resolution: { action, comment, by: staff, at: at.toISOString() },
      });
      for (const receipt of resolutionReceipts(action)) {
        if (receipt.type === 'correction') {
          await this.receipts.addForMessage(tx, correctedCard!.messageId, 'correction', { discrepancyId: id, kind: locked.kind, change, comment });
        } else if (receipt.type === 'disputed') {
          const detail = { discrepancyId: id, kind: locked.kind, registryValue: locked.registryValue, comment };
          await this.receipts.addForMessages(tx, locked.messageIds, 'disputed', detail, { agencyOnly: true });
        } else {
          await this.receipts.addForMessages(tx, locked.messageIds, 'resolved', { discrepancyId: id, kind: locked.kind, action }, { agencyOnly: false });
        }
      }
      await audit(tx, staff, 'discrepancy.resolve', id, { action, comment, ...(change ? { change } : {}) });
      return { outcome: 'resolved', discrepancy, change };
    });
  }

  /** Applies the change to the registry's working copy and records it; refuses a change that finds nothing to change. */
  private async correctRegistry(tx: Transaction, locked: LockedDiscrepancy, change: RegistryChange, staff: StaffRef) {
    assertHubCanApply(change);
    const { card, changed } = await this.registry.applyCorrection(tx, change);
    if (!card) throw new NotCorrectableError(`card ${change.cardId} is no longer in the registry`);
    if (!changed) throw new NotCorrectableError(`${change.op}: card ${change.cardId} no longer holds what the discrepancy is about`);
    await this.registry.recordCorrection(tx, { cardId: card.cardId, discrepancyId: locked.id, change, staffId: staff.id });
    return card;
  }

  /**
   * Assigns (or unassigns, null) every discrepancy of `ids`, all or none: the assignee an enabled
   * user whose role may resolve (`resolverRoles`, from the access policy); each discrepancy in
   * scope, and inside the assignee's township when the assignee is a township user.
   */
  async assign(scope: RegionScope, ids: readonly string[], assigneeId: string | null, staff: StaffRef, resolverRoles: readonly StaffRole[]): Promise<AssignOutcome> {
    let assignee: Assignee | null = null;
    if (assigneeId !== null) {
      const user = await this.staffUsers.findEnabled(assigneeId);
      if (!user) return { outcome: 'no-assignee', assigneeId };
      if (!resolverRoles.includes(user.role)) return { outcome: 'assignee-cannot-resolve', role: user.role };
      assignee = { id: user.id, username: user.username, regionCode: user.role === 'township' ? user.regionCode : null };
    }
    return this.unitOfWork.run(async (tx): Promise<AssignOutcome> => {
      const rows = await this.discrepancies.lockManyInScope(tx, scope, ids);
      const found = new Set(rows.map((r) => r.id));
      const missing = ids.filter((id) => !found.has(id));
      if (missing.length) return { outcome: 'not-found', ids: missing };
      const outside = outsideAssigneeRegion(rows, assignee?.regionCode ?? null).map((r) => r.id);
      if (outside.length) return { outcome: 'out-of-region', ids: outside, assignee: assignee! };
      await this.discrepancies.setAssignee(tx, ids, assignee?.id ?? null);
      // One entry per discrepancy, so each one's history shows it.
      await auditEach(tx, staff, 'discrepancy.assign', ids, { assignee: assignee ? { id: assignee.id, username: assignee.username } : null });
      return { outcome: 'assigned', ids: [...ids], assignee };
    });
  }
}
