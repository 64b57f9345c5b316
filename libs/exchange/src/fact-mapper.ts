import type { RecordKind } from '@sanxian/contracts/light';
import { normaliseRecordFields, parseCitizenId } from '@sanxian/domain';
import type { FactRow } from '@sanxian/persistence';

/** The message a record came in: what every fact of it carries besides the person. */
export interface FactSource {
  id: string;
  clientId: string;
  /** timestamptz as PostgreSQL wrote it: passed through, never parsed. */
  receivedAt: string;
}

type Json = Record<string, any>;

/** The detail object without its undefined members, or null when nothing is left. */
function compact(detail: Json): Record<string, unknown> | null {
  let kept: Json | null = null;
  for (const key in detail) {
    if (detail[key] === undefined) continue;
    kept ??= {};
    kept[key] = detail[key];
  }
  return kept;
}

/**
 * One fact, built in one object literal (a fixed shape: the worker makes millions of them).
 * Citizen ids are kept in their 18-character form; an invalid one is kept as sent, flagged, for linkage to repair.
 */
function fact(source: FactSource, kind: RecordKind, record: Json, role: FactRow['role'], ordinal: number, event: string, person: Json | undefined, detail: Json | null): FactRow {
  const raw = typeof person?.citizenId === 'string' ? person.citizenId : null;
  const parsed = raw ? parseCitizenId(raw) : undefined;
  return {
    messageId: source.id,
    role,
    ordinal,
    kind,
    event,
    eventDate: record.eventDate,
    regionCode: record.regionCode,
    citizenId: parsed?.ok ? parsed.value.id : raw,
    citizenIdValid: parsed?.ok ?? false,
    name: typeof person?.name === 'string' ? person.name.trim() : null,
    sex: person?.sex === 'M' || person?.sex === 'F' ? person.sex : null,
    birthDate: typeof person?.birthDate === 'string' ? person.birthDate : null,
    detail: detail && compact(detail),
    clientId: source.clientId,
    receivedAt: source.receivedAt,
  };
}

/** Turns one validated record (as sent and logged) into one fact per person it mentions. Pure and deterministic. */
export function toFacts(kind: RecordKind, sent: Json, source: FactSource): FactRow[] {
  // Facts hold names and ids in the normal form the record was checked in at intake.
  const record = normaliseRecordFields(kind, sent).record;
  switch (kind) {
    case 'hukou-change':
      return [
        fact(source, kind, record, 'subject', 0, record.changeType, record.person, {
          fromRegionCode: record.fromRegionCode, toRegionCode: record.toRegionCode, householdId: record.householdId, policeStation: record.policeStation?.code,
        }),
      ];
    case 'marriage-record':
      return [
        fact(source, kind, record, 'party-a', 0, record.registrationType, record.partyA, {
          hukouRegionCode: record.partyA?.hukouRegionCode, certificateNumber: record.certificateNumber, registrationOffice: record.registrationOffice?.code,
        }),
        fact(source, kind, record, 'party-b', 0, record.registrationType, record.partyB, {
          hukouRegionCode: record.partyB?.hukouRegionCode, certificateNumber: record.certificateNumber, registrationOffice: record.registrationOffice?.code,
        }),
      ];
    case 'birth-notice': {
      const facts = [
        fact(source, kind, record, 'child', 0, 'birth', record.child, {
          birthOrder: record.birthOrder, birthCertificateNumber: record.child?.birthCertificateNumber, facility: record.facility?.code,
        }),
        fact(source, kind, record, 'mother', 0, 'birth', record.mother, { hukouRegionCode: record.mother?.hukouRegionCode, birthOrder: record.birthOrder }),
      ];
      if (record.father) facts.push(fact(source, kind, record, 'father', 0, 'birth', record.father, null));
      return facts;
    }
    case 'registry-card': {
      const card = { cardId: record.cardId, version: record.version };
      const facts = [
        fact(source, kind, record, 'woman', 0, 'registry-card', record.woman, {
          ...card, hukouRegionCode: record.woman?.hukouRegionCode, maritalStatus: record.maritalStatus, marriageDate: record.marriageDate, residenceStatus: record.residenceStatus,
          groupCode: record.groupCode, householdNumber: record.householdNumber,
        }),
      ];
      if (record.husband) facts.push(fact(source, kind, record, 'husband', 0, 'registry-card', record.husband, card));
      (record.children ?? []).forEach((child: Json, i: number) =>
        facts.push(fact(source, kind, record, 'child', i, 'registry-card', child, { ...card, birthOrder: child.birthOrder, policyCompliant: child.policyCompliant })),
      );
      return facts;
    }
  }
}
