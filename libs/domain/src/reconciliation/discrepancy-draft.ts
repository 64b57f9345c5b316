import { dueDate } from './due-date';
import type { AgencyFact, DiscrepancyDraft, DiscrepancyKind, ReconciliationConfig, RegistryCardView } from './types';

export interface DraftInput {
  kind: DiscrepancyKind;
  /** Ordered: the key is the values in this order. */
  subject: Record<string, string>;
  regionCode: string;
  facts?: readonly AgencyFact[];
  card?: RegistryCardView;
  /** Cards whose record stands as evidence without being the card the discrepancy is about. */
  evidenceCards?: readonly RegistryCardView[];
  agencyValue: unknown;
  registryValue: unknown;
}

export function discrepancyKey(kind: DiscrepancyKind, subject: Record<string, string>): string {
  return `${kind}:${Object.values(subject).join('|')}`;
}

export function makeDraft(input: DraftInput, config: ReconciliationConfig): DiscrepancyDraft {
  const messageIds: string[] = [];
  const recordIds: string[] = [];
  const note = (source: { messageId?: string; recordId?: string }) => {
    if (source.messageId !== undefined && !messageIds.includes(source.messageId)) messageIds.push(source.messageId);
    if (source.recordId !== undefined && !recordIds.includes(source.recordId)) recordIds.push(source.recordId);
  };
  for (const fact of input.facts ?? []) note(fact);
  for (const card of input.evidenceCards ?? []) note(card);
  const draft: DiscrepancyDraft = {
    kind: input.kind,
    key: discrepancyKey(input.kind, input.subject),
    subject: { ...input.subject },
    regionCode: input.regionCode,
    townshipCode: input.regionCode.slice(0, 9),
    evidence: { messageIds, recordIds },
    agencyValue: input.agencyValue,
    registryValue: input.registryValue,
    dueAt: dueDate(config.asOf, config.resolveWithinWorkingDays, config),
  };
  if (input.card !== undefined) draft.evidence.cardId = input.card.cardId;
  return draft;
}

/** One draft per key (the first one's values), the evidence of all (ids sorted); ordered by key. */
export function mergeDrafts(drafts: readonly DiscrepancyDraft[]): DiscrepancyDraft[] {
  const byKey = new Map<string, DiscrepancyDraft>();
  for (const draft of drafts) {
    const seen = byKey.get(draft.key);
    if (seen === undefined) {
      byKey.set(draft.key, { ...draft, evidence: { ...draft.evidence, messageIds: [...draft.evidence.messageIds], recordIds: [...draft.evidence.recordIds] } });
      continue;
    }
    for (const id of draft.evidence.messageIds) if (!seen.evidence.messageIds.includes(id)) seen.evidence.messageIds.push(id);
    for (const id of draft.evidence.recordIds) if (!seen.evidence.recordIds.includes(id)) seen.evidence.recordIds.push(id);
    if (seen.evidence.cardId === undefined && draft.evidence.cardId !== undefined) seen.evidence.cardId = draft.evidence.cardId;
  }
  for (const draft of byKey.values()) {
    draft.evidence.messageIds.sort();
    draft.evidence.recordIds.sort();
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
