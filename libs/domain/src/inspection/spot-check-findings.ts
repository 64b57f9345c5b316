import type { DiscrepancyDraft } from '../reconciliation/types';
import type { SurveyComparison, SurveyFinding } from './survey-comparison';
import type { FramePerson, FrameVillage } from './survey-types';

/**
 * A return's findings as discrepancies of the kind `spot-check-finding`, owned by the village's township,
 * with the signed return as their evidence, for the existing workflow (assign, resolve, receipts, audit).
 * A finding is keyed by the first return of its correction chain, so an addendum that finds it again does
 * not raise it twice, and one that no longer finds it can close it.
 */

export interface FindingDraft extends DiscrepancyDraft {
  subjectCitizenId: string | null;
  subjectName: string | null;
  cardId: string | null;
}

export function findingKey(originalReturnId: string, finding: Pick<SurveyFinding, 'kind' | 'path'>): string {
  return `spot-check-finding:${originalReturnId}|${finding.kind}|${finding.path}`;
}

export function findingDrafts(
  comparison: SurveyComparison,
  registry: FrameVillage,
  context: { originalReturnId: string; townshipCode: string; dueAt: string },
): FindingDraft[] {
  const persons = new Map<string, FramePerson>();
  for (const group of registry.groups) for (const household of group.households) for (const person of household.persons) persons.set(person.personKey, person);
  return comparison.findings.map((finding): FindingDraft => {
    const known = persons.get(finding.personKey);
    const subject: Record<string, string> = { returnId: comparison.returnId, finding: finding.kind, path: finding.path, personKey: finding.personKey };
    if (finding.kind === 'item-differs') subject.item = finding.item;
    if (finding.kind === 'person-not-there') subject.reason = finding.reason;
    if (known) {
      subject.role = known.role;
      subject.cardId = known.cardId;
      if (known.citizenId) subject.citizenId = known.citizenId;
    }
    const [agencyValue, registryValue] = values(finding);
    return {
      kind: 'spot-check-finding',
      key: findingKey(context.originalReturnId, finding),
      subject,
      regionCode: comparison.villageCode,
      townshipCode: context.townshipCode,
      evidence: { messageIds: [], recordIds: [], returnIds: [comparison.returnId], ...(known ? { cardId: known.cardId } : {}) },
      agencyValue,
      registryValue,
      dueAt: context.dueAt,
      subjectCitizenId: known?.citizenId ?? null,
      subjectName: known?.name ?? (finding.kind === 'person-not-in-registry' ? finding.found.name ?? null : null),
      cardId: known?.cardId ?? null,
    };
  });
}

/** What the survey found, and what the registry holds: the two sides the workflow shows. */
function values(finding: SurveyFinding): [unknown, unknown] {
  switch (finding.kind) {
    case 'item-differs': return [finding.found, finding.registry];
    case 'birth-not-in-registry': return [finding.child, null];
    case 'person-not-in-registry': return [finding.found, null];
    case 'person-not-there': return [finding.reason, 'listed'];
  }
}
