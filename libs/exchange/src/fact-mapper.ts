import { RecordKind } from '@sanxian/contracts';
import { parseCitizenId } from '@sanxian/domain';
import { FactRow } from '@sanxian/persistence';

/** One person mentioned by a record, normalised; the message, client and receipt time are added by the caller. */
export type FactDraft = Omit<FactRow, 'messageId' | 'clientId' | 'receivedAt'>;

type Json = Record<string, any>;

/** Citizen ids are kept in their 18-character form; an invalid one is kept as sent, flagged, for linkage to repair. */
function identity(person: Json | undefined): Pick<FactDraft, 'citizenId' | 'citizenIdValid' | 'name' | 'sex' | 'birthDate'> {
  const raw = typeof person?.citizenId === 'string' ? person.citizenId : null;
  const parsed = raw ? parseCitizenId(raw) : undefined;
  return {
    citizenId: parsed?.ok ? parsed.value.id : raw,
    citizenIdValid: parsed?.ok ?? false,
    name: typeof person?.name === 'string' ? person.name.trim() : null,
    sex: person?.sex === 'M' || person?.sex === 'F' ? person.sex : null,
    birthDate: typeof person?.birthDate === 'string' ? person.birthDate : null,
  };
}

function compact(detail: Json): Record<string, unknown> | null {
  const entries = Object.entries(detail).filter(([, v]) => v !== undefined);
  return entries.length ? Object.fromEntries(entries) : null;
}

/** Turns one validated record into one fact per person it mentions. Pure and deterministic. */
export function toFacts(kind: RecordKind, record: Json): FactDraft[] {
  const base = { kind, eventDate: record.eventDate as string, regionCode: record.regionCode as string };
  switch (kind) {
    case 'hukou-change':
      return [
        {
          ...base, role: 'subject', ordinal: 0, event: record.changeType, ...identity(record.person),
          detail: compact({ fromRegionCode: record.fromRegionCode, toRegionCode: record.toRegionCode, householdId: record.householdId, policeStation: record.policeStation?.code }),
        },
      ];
    case 'marriage-record':
      return (['partyA', 'partyB'] as const).map((party, i) => ({
        ...base, role: i === 0 ? 'party-a' : 'party-b', ordinal: 0, event: record.registrationType, ...identity(record[party]),
        detail: compact({ hukouRegionCode: record[party]?.hukouRegionCode, certificateNumber: record.certificateNumber, registrationOffice: record.registrationOffice?.code }),
      }));
    case 'birth-notice': {
      const facts: FactDraft[] = [
        {
          ...base, role: 'child', ordinal: 0, event: 'birth', ...identity(record.child),
          detail: compact({ birthOrder: record.birthOrder, birthCertificateNumber: record.child?.birthCertificateNumber, facility: record.facility?.code }),
        },
        { ...base, role: 'mother', ordinal: 0, event: 'birth', ...identity(record.mother), detail: compact({ hukouRegionCode: record.mother?.hukouRegionCode, birthOrder: record.birthOrder }) },
      ];
      if (record.father) facts.push({ ...base, role: 'father', ordinal: 0, event: 'birth', ...identity(record.father), detail: null });
      return facts;
    }
    case 'registry-card': {
      const card = { cardId: record.cardId, version: record.version };
      const facts: FactDraft[] = [
        {
          ...base, role: 'woman', ordinal: 0, event: 'registry-card', ...identity(record.woman),
          detail: compact({ ...card, hukouRegionCode: record.woman?.hukouRegionCode, maritalStatus: record.maritalStatus, marriageDate: record.marriageDate, residenceStatus: record.residenceStatus }),
        },
      ];
      if (record.husband) facts.push({ ...base, role: 'husband', ordinal: 0, event: 'registry-card', ...identity(record.husband), detail: compact(card) });
      (record.children ?? []).forEach((child: Json, i: number) =>
        facts.push({
          ...base, role: 'child', ordinal: i, event: 'registry-card', ...identity(child),
          detail: compact({ ...card, birthOrder: child.birthOrder, policyCompliant: child.policyCompliant }),
        }),
      );
      return facts;
    }
  }
}
