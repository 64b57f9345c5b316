/**
 * The rules of staff's work on a discrepancy, without the storage: what a resolution closes it as,
 * which receipts it sends to whom, what the hub itself may change in the registry, and who may be
 * given the work.
 */
import { NotCorrectableError, type RegistryChange } from './registry-correction';
import { scopeCovers, scopeFor } from '../staff-role';

export const RESOLUTION_ACTIONS = ['accept-agency', 'keep-registry', 'dismiss'] as const;
export type ResolutionAction = (typeof RESOLUTION_ACTIONS)[number];

/** The status a resolution leaves: dismissing is not resolving. */
export function closingStatus(action: ResolutionAction): 'resolved' | 'dismissed' {
  return action === 'dismiss' ? 'dismissed' : 'resolved';
}

/** A receipt a resolution sends, and to whom. */
export type ResolutionReceipt =
  /** The family-planning system keeps the registry of record: it is told what to change on its card. */
  | { type: 'correction'; to: 'card-sender' }
  /** The agencies whose value the registry keeps are told it is disputed (registry cards are not agencies). */
  | { type: 'disputed'; to: 'agency-evidence' }
  /** Every sender of the evidence learns the discrepancy is closed. */
  | { type: 'resolved'; to: 'all-evidence' };

/** The receipts a resolution sends, in the order they are written. */
export function resolutionReceipts(action: ResolutionAction): ResolutionReceipt[] {
  const first: ResolutionReceipt[] =
    action === 'accept-agency' ? [{ type: 'correction', to: 'card-sender' }] : action === 'keep-registry' ? [{ type: 'disputed', to: 'agency-evidence' }] : [];
  return [...first, { type: 'resolved', to: 'all-evidence' }];
}

/** A change the hub may apply to its working copy; refuses (NotCorrectableError) the ones only the family-planning system can make. */
export function assertHubCanApply(change: RegistryChange): asserts change is Exclude<RegistryChange, { op: 'create-card' }> {
  if (change.op === 'create-card') {
    // A card needs a card id and a version that only the family-planning system can give.
    throw new NotCorrectableError(`${change.op}: the family-planning system must open the card; keep-registry or dismiss instead`);
  }
}

/**
 * The discrepancies (by region) a township user may not be given: those outside their township,
 * or their village for a village user. A county-wide assignee (null) may take any.
 */
export function outsideAssigneeRegion<T extends { regionCode: string }>(discrepancies: readonly T[], assigneeRegion: string | null): T[] {
  if (!assigneeRegion) return [];
  const scope = scopeFor('township', assigneeRegion);
  return discrepancies.filter((d) => !scopeCovers(scope, d.regionCode));
}
