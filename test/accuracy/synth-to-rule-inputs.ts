/**
 * A synthetic county's written files, read as reconciliation's inputs with perfect linkage: every
 * person identified by the ground truth (`truth/records.ndjson`'s `persons`), every fact tied to
 * the card on which its person is the woman (else the husband, else a child), a birth notice's
 * mother fact to the mother's card. Invalid records (faults `invalid:…`) are left out: the hub
 * rejects them, so they are evidence of nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordKind } from '@sanxian/contracts';
import type { AgencyFact, CardRole, RegistryCardView } from '@sanxian/domain';
import type {
  BirthNoticeRecord,
  Discrepancy,
  HukouChangeRecord,
  Manifest,
  MarriageRecord,
  RegistryCardRecord,
  TruthRecord,
} from '@sanxian/synth';

export const SYNTH_FILES: Record<RecordKind, string> = {
  'registry-card': 'registry-cards.ndjson',
  'hukou-change': 'hukou-changes.ndjson',
  'marriage-record': 'marriage-records.ndjson',
  'birth-notice': 'birth-notices.ndjson',
};

export function readNdjson<T>(file: string): T[] {
  const text = readFileSync(file, 'utf8');
  return text === '' ? [] : text.trimEnd().split('\n').map((line) => JSON.parse(line) as T);
}

interface Entry<R> {
  record: R;
  truth: TruthRecord;
}

/** The valid records of one kind, each with its truth line (same order per file). */
function validEntries<R extends { recordId: string }>(dir: string, kind: RecordKind, truth: readonly TruthRecord[]): Entry<R>[] {
  const records = readNdjson<R>(join(dir, SYNTH_FILES[kind]));
  const truths = truth.filter((t) => t.kind === kind);
  if (records.length !== truths.length) throw new Error(`${kind}: ${records.length} records but ${truths.length} truth lines`);
  return records
    .map((record, i) => {
      if (truths[i].recordId !== record.recordId) throw new Error(`${kind} line ${i + 1}: record ${record.recordId}, truth ${truths[i].recordId}`);
      return { record, truth: truths[i] };
    })
    .filter(({ truth: t }) => !t.faults.some((f) => f.startsWith('invalid:')));
}

export interface SynthRuleInputs {
  manifest: Manifest;
  cards: RegistryCardView[];
  facts: AgencyFact[];
  truth: Discrepancy[];
}

type PersonObject = HukouChangeRecord['person'];

function stated(person: PersonObject): AgencyFact['person'] {
  return { citizenId: person.citizenId, name: person.name, sex: person.sex, birthDate: person.birthDate };
}

export function synthToRuleInputs(dir: string): SynthRuleInputs {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const truthRecords = readNdjson<TruthRecord>(join(dir, 'truth/records.ndjson'));
  const truth = readNdjson<Discrepancy>(join(dir, 'truth/discrepancies.ndjson'));

  // Cards: every valid version (reconcile keeps the highest); linkage by the current versions.
  const cardEntries = validEntries<RegistryCardRecord>(dir, 'registry-card', truthRecords);
  const cards: RegistryCardView[] = cardEntries.map(({ record: r }) => ({
    cardId: r.cardId,
    version: r.version,
    eventDate: r.eventDate,
    regionCode: r.regionCode,
    woman: { citizenId: r.woman.citizenId!, name: r.woman.name, sex: r.woman.sex, birthDate: r.woman.birthDate },
    maritalStatus: r.maritalStatus,
    ...(r.marriageDate !== undefined ? { marriageDate: r.marriageDate } : {}),
    residenceStatus: r.residenceStatus,
    ...(r.husband !== undefined ? { husband: stated(r.husband) } : {}),
    children: r.children.map((c) => ({ ...c })),
    recordId: r.recordId,
  }));
  const current = new Map<string, Entry<RegistryCardRecord>>();
  for (const entry of cardEntries) {
    const seen = current.get(entry.record.cardId);
    if (seen === undefined || seen.record.version < entry.record.version) current.set(entry.record.cardId, entry);
  }
  // True person id → their place on a current card, the woman's own card first, then husband, then child.
  const rank: Record<CardRole, number> = { woman: 0, husband: 1, child: 2 };
  const placeOf = new Map<string, { cardId: string; cardRole: CardRole }>();
  const place = (person: string | undefined, cardId: string, cardRole: CardRole) => {
    if (person === undefined) return;
    const seen = placeOf.get(person);
    if (seen === undefined || rank[cardRole] < rank[seen.cardRole]) placeOf.set(person, { cardId, cardRole });
  };
  for (const { record, truth: t } of [...current.values()].sort((a, b) => (a.record.cardId < b.record.cardId ? -1 : 1))) {
    for (const [role, person] of Object.entries(t.persons)) {
      place(person, record.cardId, role === 'woman' ? 'woman' : role === 'husband' ? 'husband' : 'child');
    }
  }
  const linked = (personId: string | undefined): Pick<AgencyFact, 'personId' | 'cardId' | 'cardRole'> => {
    if (personId === undefined) return {};
    const where = placeOf.get(personId);
    return where === undefined ? { personId } : { personId, ...where };
  };

  const facts: AgencyFact[] = [];
  for (const { record: r, truth: t } of validEntries<HukouChangeRecord>(dir, 'hukou-change', truthRecords)) {
    const detail: AgencyFact['detail'] = {};
    if (r.fromRegionCode !== undefined) detail.fromRegionCode = r.fromRegionCode;
    if (r.toRegionCode !== undefined) detail.toRegionCode = r.toRegionCode;
    facts.push({
      kind: 'hukou-change',
      event: r.changeType,
      eventDate: r.eventDate,
      regionCode: r.regionCode,
      role: 'person',
      person: stated(r.person),
      ...linked(t.persons.person),
      detail,
      recordId: r.recordId,
    });
  }
  for (const { record: r, truth: t } of validEntries<MarriageRecord>(dir, 'marriage-record', truthRecords)) {
    for (const role of ['partyA', 'partyB'] as const) {
      facts.push({
        kind: 'marriage-record',
        event: r.registrationType,
        eventDate: r.eventDate,
        regionCode: r.regionCode,
        role,
        person: stated(r[role]),
        ...linked(t.persons[role]),
        recordId: r.recordId,
      });
    }
  }
  for (const { record: r, truth: t } of validEntries<BirthNoticeRecord>(dir, 'birth-notice', truthRecords)) {
    const mother = t.persons.mother;
    const where = mother === undefined ? undefined : placeOf.get(mother);
    const motherCard = where?.cardRole === 'woman' ? where.cardId : undefined;
    facts.push({
      kind: 'birth-notice',
      event: 'birth',
      eventDate: r.eventDate,
      regionCode: r.regionCode,
      role: 'mother',
      person: stated(r.mother),
      ...(mother !== undefined ? { personId: mother } : {}),
      ...(motherCard !== undefined ? { cardId: motherCard, cardRole: 'woman' as const } : {}),
      detail: { birthOrder: r.birthOrder, child: { sex: r.child.sex, birthDate: r.child.birthDate, ...(r.child.name !== undefined ? { name: r.child.name } : {}) } },
      recordId: r.recordId,
    });
    if (r.father !== undefined) {
      facts.push({
        kind: 'birth-notice',
        event: 'birth',
        eventDate: r.eventDate,
        regionCode: r.regionCode,
        role: 'father',
        person: stated(r.father),
        ...linked(t.persons.father),
        recordId: r.recordId,
      });
    }
  }
  return { manifest, cards, facts, truth };
}
