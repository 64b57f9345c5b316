import { normaliseName, parseCitizenId } from '@sanxian/domain';
import { ageOn, parseIsoDate, type Day } from './calendar.util';
import type {
  BirthNoticeRecord,
  Discrepancy,
  DiscrepancyKind,
  FeedEntry,
  HukouChangeRecord,
  MarriageRecord,
  PersonObject,
  RegistryCardRecord,
} from './synth-records.types';

export interface TruthRules {
  /** Reconciliation date (`asOf`). */
  asOf: Day;
  /** The period reconciled: the year. */
  periodStart: Day;
  periodEnd: Day;
  /** A birth is a discrepancy once birth day + graceDays <= asOf. */
  graceDays: number;
  /** YYYY-MM-DD, the "today" for parsing ids. */
  asOfDate: string;
}

/**
 * The discrepancies that reconciliation should find among some records, by the rules of
 * docs/reconciliation.md applied literally, with every person identified by the ground truth
 * (`truth.persons`), not by what the record says: linking is the engine's job, this is the answer.
 * Only valid records count (a rejected record is evidence of nothing). The generator runs it per
 * household, which is complete: no person appears in two households' records.
 */
export function computeDiscrepancies(entries: readonly FeedEntry[], rules: TruthRules, regionCode: string): Discrepancy[] {
  const found = new Map<string, Discrepancy>();
  const valid = entries.filter((e) => e.valid);

  // The registry: the highest version of each card.
  const current = new Map<string, FeedEntry>();
  for (const entry of valid) {
    if (entry.kind !== 'registry-card') continue;
    const card = entry.record as RegistryCardRecord;
    const seen = current.get(card.cardId);
    if (!seen || (seen.record as RegistryCardRecord).version < card.version) current.set(card.cardId, entry);
  }
  const cards = [...current.values()];
  const cardOf = new Map<string, FeedEntry>();
  for (const entry of cards) cardOf.set(entry.truth.persons.woman, entry);

  const notices = valid.filter((e) => e.kind === 'birth-notice');
  const hukou = valid.filter((e) => e.kind === 'hukou-change');
  const marriages = valid.filter((e) => e.kind === 'marriage-record');
  const graced = (birthDate: string) => parseIsoDate(birthDate)! + rules.graceDays <= rules.asOf;

  const add = (kind: DiscrepancyKind, subject: Record<string, string>, recordIds: string[], cardId: string | undefined, agencyValue: unknown, registryValue: unknown) => {
    const key = `${kind}:${Object.values(subject).join('|')}`;
    let d = found.get(key);
    if (!d) {
      d = { key, kind, subject, regionCode, townshipCode: regionCode.slice(0, 9), evidence: { recordIds: [] }, agencyValue, registryValue };
      if (cardId !== undefined) d.evidence.cardId = cardId;
      found.set(key, d);
    }
    for (const id of recordIds) if (!d.evidence.recordIds.includes(id)) d.evidence.recordIds.push(id);
  };

  // birth-not-in-registry: a birth notice whose mother's card lacks the child (±1 day, same sex), grace passed.
  // A hukou birth registration names no mother in contract v1 (its only person is the child), so it cannot raise one.
  const births = notices.map((e) => {
    const r = e.record as BirthNoticeRecord;
    return { entry: e, mother: e.truth.persons.mother, birthDate: r.child.birthDate, sex: r.child.sex };
  });
  for (const birth of births) {
    if (birth.mother === undefined || !graced(birth.birthDate)) continue;
    const card = cardOf.get(birth.mother);
    if (!card) continue;
    const record = card.record as RegistryCardRecord;
    if (matchChild(record, birth.birthDate, birth.sex) !== undefined) continue;
    add(
      'birth-not-in-registry',
      { motherCitizenId: birth.mother, childBirthDate: birth.birthDate, childSex: birth.sex },
      [birth.entry.truth.recordId],
      record.cardId,
      { childBirthDate: birth.birthDate, childSex: birth.sex },
      null,
    );
  }

  // birth-not-notified: a card child born in the period, grace passed, with no notice from health.
  for (const card of cards) {
    const record = card.record as RegistryCardRecord;
    const woman = card.truth.persons.woman;
    for (const child of record.children) {
      const born = parseIsoDate(child.birthDate)!;
      if (born < rules.periodStart || born > rules.periodEnd || !graced(child.birthDate)) continue;
      const notified = notices.some((n) => {
        const r = n.record as BirthNoticeRecord;
        return n.truth.persons.mother === woman && r.child.sex === child.sex && Math.abs(parseIsoDate(r.child.birthDate)! - born) <= 1;
      });
      if (notified) continue;
      add(
        'birth-not-notified',
        { cardId: record.cardId, childBirthDate: child.birthDate, childSex: child.sex },
        [card.truth.recordId],
        record.cardId,
        null,
        { childBirthDate: child.birthDate, childSex: child.sex, birthOrder: child.birthOrder },
      );
    }
  }

  // birth-order-conflict: the notice's birth order differs from the order of the matching card child.
  for (const notice of notices) {
    const mother = notice.truth.persons.mother;
    const card = mother === undefined ? undefined : cardOf.get(mother);
    if (!card) continue;
    const r = notice.record as BirthNoticeRecord;
    const record = card.record as RegistryCardRecord;
    const child = matchChild(record, r.child.birthDate, r.child.sex);
    if (child === undefined || child.birthOrder === r.birthOrder) continue;
    add(
      'birth-order-conflict',
      { motherCitizenId: mother!, childBirthDate: r.child.birthDate, childSex: r.child.sex },
      [notice.truth.recordId],
      record.cardId,
      r.birthOrder,
      child.birthOrder,
    );
  }

  // marital-status-conflict: the woman's latest marriage record disagrees with her card, and is newer than it.
  for (const card of cards) {
    const record = card.record as RegistryCardRecord;
    const woman = card.truth.persons.woman;
    let latest: FeedEntry | undefined;
    for (const m of marriages) {
      if (m.truth.persons.partyA !== woman && m.truth.persons.partyB !== woman) continue;
      if (!latest || (m.record.eventDate >= latest.record.eventDate)) latest = m;
    }
    if (!latest || latest.record.eventDate <= record.eventDate) continue;
    const status = (latest.record as MarriageRecord).registrationType === 'marriage' ? 'married' : 'divorced';
    if (status === record.maritalStatus) continue;
    add('marital-status-conflict', { cardId: record.cardId }, [latest.truth.recordId], record.cardId, status, record.maritalStatus);
  }

  for (const entry of hukou) {
    const r = entry.record as HukouChangeRecord;
    const person = entry.truth.persons.person;
    // moved-out-still-registered: a move out of a woman whose card still says resident.
    if (r.changeType === 'move-out') {
      const card = cardOf.get(person);
      const record = card?.record as RegistryCardRecord | undefined;
      if (record && record.residenceStatus === 'resident') {
        add('moved-out-still-registered', { cardId: record.cardId }, [entry.truth.recordId], record.cardId, 'moved-out', 'resident');
      }
    }
    // moved-in-not-registered: a move in of a woman aged 15–49 who has no card.
    if (r.changeType === 'move-in' && r.person.sex === 'F' && !cardOf.has(person)) {
      const age = ageOn(parseIsoDate(r.person.birthDate)!, parseIsoDate(r.eventDate)!);
      if (age >= 15 && age <= 49) add('moved-in-not-registered', { citizenId: person }, [entry.truth.recordId], undefined, r.toRegionCode ?? r.regionCode, null);
    }
    // death-not-reflected: a death of a card's woman, husband or child that the card does not show.
    if (r.changeType === 'death') {
      for (const card of cards) {
        const record = card.record as RegistryCardRecord;
        const p = card.truth.persons;
        const subject = { cardId: record.cardId, citizenId: person };
        if (p.woman === person && record.residenceStatus !== 'deceased') add('death-not-reflected', subject, [entry.truth.recordId], record.cardId, 'deceased', record.residenceStatus);
        if (p.husband === person && record.maritalStatus === 'married') add('death-not-reflected', subject, [entry.truth.recordId], record.cardId, 'widowed', record.maritalStatus);
        const index = record.children.findIndex((_, i) => p[`children/${i}`] === person);
        if (index >= 0) add('death-not-reflected', subject, [entry.truth.recordId], record.cardId, 'deceased', 'listed');
      }
    }
  }

  identityConflicts(valid, cards, rules, add);
  return [...found.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function matchChild(card: RegistryCardRecord, birthDate: string, sex: string): RegistryCardRecord['children'][number] | undefined {
  const day = parseIsoDate(birthDate)!;
  let best: RegistryCardRecord['children'][number] | undefined;
  let bestGap = 2;
  for (const child of card.children) {
    if (child.sex !== sex) continue;
    const gap = Math.abs(parseIsoDate(child.birthDate)! - day);
    if (gap <= 1 && gap < bestGap) {
      best = child;
      bestGap = gap;
    }
  }
  return best;
}

interface Statement {
  recordId: string;
  cardId?: string;
  name?: string;
  sex: string;
  birthDate: string;
}

/**
 * identity-conflict: one (valid, normalised) citizen id stated with a different name, sex or birth
 * date by two sources — the agency records and the current cards. Names compare after the hub's
 * normaliseName (width, spaces, dots, traditional forms). Ids as written: a mistyped id is someone
 * else's id (or nobody's); an id with a wrong check digit is no id.
 */
function identityConflicts(
  valid: readonly FeedEntry[],
  cards: readonly FeedEntry[],
  rules: TruthRules,
  add: (kind: DiscrepancyKind, subject: Record<string, string>, recordIds: string[], cardId: string | undefined, agencyValue: unknown, registryValue: unknown) => void,
): void {
  const byId = new Map<string, Statement[]>();
  const state = (id: string | undefined, statement: Omit<Statement, 'recordId'> & { recordId: string }) => {
    if (id === undefined) return;
    const parsed = parseCitizenId(id, { today: rules.asOfDate });
    if (!parsed.ok) return;
    const list = byId.get(parsed.value.id) ?? [];
    list.push(statement);
    byId.set(parsed.value.id, list);
  };
  const fromPerson = (recordId: string, p: PersonObject | undefined, cardId?: string) => {
    if (p) state(p.citizenId, { recordId, cardId, name: p.name, sex: p.sex, birthDate: p.birthDate });
  };
  for (const entry of valid) {
    const r = entry.record as unknown as Record<string, PersonObject | undefined>;
    if (entry.kind === 'registry-card') continue;
    for (const role of ['person', 'partyA', 'partyB', 'mother', 'father']) fromPerson(entry.truth.recordId, r[role]);
  }
  for (const card of cards) {
    const record = card.record as RegistryCardRecord;
    fromPerson(card.truth.recordId, record.woman, record.cardId);
    fromPerson(card.truth.recordId, record.husband, record.cardId);
    for (const child of record.children) {
      state(child.citizenId, { recordId: card.truth.recordId, cardId: record.cardId, name: child.name, sex: child.sex, birthDate: child.birthDate });
    }
  }
  for (const [id, statements] of byId) {
    if (statements.length < 2) continue;
    const fields: [string, (s: Statement) => string | undefined][] = [
      ['name', (s) => (s.name === undefined ? undefined : normaliseName(s.name))],
      ['sex', (s) => s.sex],
      ['birthDate', (s) => s.birthDate],
    ];
    for (const [field, value] of fields) {
      // Most ids are stated identically everywhere: normalise only when the raw values differ.
      const raw0 = field === 'name' ? statements.find((s) => s.name !== undefined)?.name : undefined;
      if (field === 'name' && statements.every((s) => s.name === undefined || s.name === raw0)) continue;
      const stated = statements.filter((s) => value(s) !== undefined);
      const distinct = new Set(stated.map(value));
      if (distinct.size < 2) continue;
      const registry = stated.find((s) => s.cardId !== undefined);
      const reference = registry ?? stated[0];
      const other = stated.find((s) => value(s) !== value(reference))!;
      const raw = (s: Statement) => (field === 'name' ? s.name : field === 'sex' ? s.sex : s.birthDate);
      // With a card: the agency's value against the registry's. Without: every value stated.
      const agencyValue = registry ? raw(other) : [...new Set(stated.map(raw))];
      add('identity-conflict', { citizenId: id, field }, stated.map((s) => s.recordId), registry?.cardId, agencyValue, registry ? raw(registry) : null);
    }
  }
}
