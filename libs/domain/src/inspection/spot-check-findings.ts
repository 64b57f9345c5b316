import type { DiscrepancyDraft } from '../reconciliation/types';
import type { SurveyComparison, SurveyFinding } from './survey-comparison';
import type { FramePerson, FrameVillage } from './survey-types';

/**
 * A return's findings as discrepancies of the kind `spot-check-finding`, owned by the village's township,
 * with the signed return as their evidence, for the existing workflow (assign, resolve, receipts, audit).
 * They are drafted when the return arrives (the registry's side as it stood on the survey day) and raised
 * when the campaign is published: until then the inspected township must not learn it was drawn.
 */

/** A finding ready to be raised: everything of a discrepancy but its due date, set on publication. */
export interface FindingDraft extends Omit<DiscrepancyDraft, 'dueAt'> {
  subjectCitizenId: string | null;
  subjectName: string | null;
  cardId: string | null;
}

export function findingKey(returnId: string, finding: Pick<SurveyFinding, 'kind' | 'path'>): string {
  return `spot-check-finding:${returnId}|${finding.kind}|${finding.path}`;
}

export function findingDrafts(comparison: SurveyComparison, registry: FrameVillage, context: { townshipCode: string }): FindingDraft[] {
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
      key: findingKey(comparison.returnId, finding),
      subject,
      regionCode: comparison.villageCode,
      townshipCode: context.townshipCode,
      evidence: { messageIds: [], recordIds: [], returnIds: [comparison.returnId], ...(known ? { cardId: known.cardId } : {}) },
      agencyValue,
      registryValue,
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
