import type { RecordKind } from '@sanxian/contracts';
import { addYears, civilOf, cstTimestamp, dayOf, isoDate, type Day } from './calendar.util';
import { fifteenDigitForm, withWrongCheckDigit } from './citizen-id.allocator';
import { truthId } from './family-card.office';
import { mistypeName } from './person-name.factory';
import type { Household, Person } from './population.types';
import type { RandomSource } from './random-source';
import type { BirthNoticeRecord, ExchangeRecord, FeedEntry, HukouChangeRecord, MarriageRecord, PersonObject } from './synth-records.types';
import type { LifeEvent } from './year.simulator';
import type { WorldContext } from './world-context';

interface Draft {
  kind: Exclude<RecordKind, 'registry-card'>;
  eventDay: Day;
  build: (reportedAt: string) => ExchangeRecord;
  roles: [string, Person][];
}

/** Feed faults counted for the manifest (records dropped or changed). */
export interface FeedCounts {
  notYetReported: number;
  noticeMissing: number;
  faults: Record<string, number>;
}

/**
 * The three agencies' records of a household's year — police hukou changes, civil-affairs
 * registrations, hospital birth notices — with the faults of the options. Content choices (which
 * facility, whether a name is given) come from `content`; faults from `faults`, so that a fault
 * rate changes nothing else.
 */
export class AgencyFeedBuilder {
  constructor(
    private readonly ctx: WorldContext,
    private readonly content: RandomSource,
    private readonly faults: RandomSource,
    private readonly household: Household,
    private readonly counts: FeedCounts,
  ) {}

  /** The records, and the copies sent again later. */
  build(events: readonly LifeEvent[]): { entries: FeedEntry[]; resends: FeedEntry[] } {
    const entries: FeedEntry[] = [];
    const resends: FeedEntry[] = [];
    for (const event of events) {
      for (const draft of this.drafts(event)) {
        const entry = this.withFaults(draft);
        if (!entry) continue;
        entries.push(entry);
        if (entry.valid && this.faults.chance(this.ctx.options.rates.resent)) {
          resends.push({ ...entry, truth: { ...entry.truth, faults: [...entry.truth.faults, 'resent'] } });
          this.count('resent');
        }
      }
    }
    return { entries, resends };
  }

  // ------------------------------------------------------------------------------ records of events

  private drafts(event: LifeEvent): Draft[] {
    const drafts = this.draftsOf(event);
    // A baby never registered has no hukou to change: nothing for the police to report.
    return drafts.filter((d) => d.kind !== 'hukou-change' || d.roles[0][1].citizenId !== undefined);
  }

  private draftsOf(event: LifeEvent): Draft[] {
    switch (event.type) {
      case 'birth': {
        if (!event.inCounty) return [];
        // Drawn from the fault stream: whether health notifies at all is a fault of the feed.
        if (this.faults.chance(this.ctx.options.rates.noticeMissing)) {
          this.counts.noticeMissing++;
          return [];
        }
        return [this.notice(event)];
      }
      case 'birth-registration':
        return [this.hukou('birth-registration', event.day, event.child)];
      case 'death':
        return event.hukouInCounty ? [this.hukou('death', event.day, event.person)] : [];
      case 'move-out':
        return [this.hukou('move-out', event.day, event.person, { from: event.from, to: event.to })];
      case 'move-in':
        return [this.hukou('move-in', event.day, event.person, { from: event.from, to: this.household.village })];
      case 'marriage':
        return [this.registration('marriage', event.day, event.local, event.spouse, event.spouseHukou)];
      case 'divorce':
        return [this.registration('divorce', event.day, event.husband, event.wife, undefined)];
      default:
        return [];
    }
  }

  private regionCode(): string {
    // Some offices file events under the township only.
    return this.content.chance(0.15) ? this.household.village.slice(0, 9) : this.household.village;
  }

  private hukou(
    changeType: HukouChangeRecord['changeType'],
    day: Day,
    person: Person,
    move?: { from?: string; to?: string },
  ): Draft {
    const ctx = this.ctx;
    const recordId = `${ctx.county.abbreviation}-HJ-${ctx.options.year}-${String(++ctx.counters.hukouRecord).padStart(6, '0')}`;
    const regionCode = this.regionCode();
    const station = this.content.chance(0.9) ? ctx.policeStation(this.household.village.slice(0, 9)) : undefined;
    const from = move?.from !== undefined && /^(\d{12}|\d{6})$/.test(move.from) ? move.from : undefined;
    const to = move?.to !== undefined && /^(\d{12}|\d{6})$/.test(move.to) ? move.to : undefined;
    const householdId = this.household.householdId;
    return {
      kind: 'hukou-change',
      eventDay: day,
      roles: [['person', person]],
      build: (reportedAt) => {
        const record: HukouChangeRecord = {
          recordId,
          eventDate: isoDate(day),
          reportedAt,
          regionCode,
          changeType,
          person: personObject(person),
        };
        if (from !== undefined) record.fromRegionCode = from;
        if (to !== undefined) record.toRegionCode = to;
        record.householdId = householdId;
        if (station) record.policeStation = { ...station };
        return record;
      },
    };
  }

  private registration(type: 'marriage' | 'divorce', day: Day, local: Person, spouse: Person, spouseHukou: string | undefined): Draft {
    const ctx = this.ctx;
    const n = ++ctx.counters.marriageRecord;
    const certificate =
      type === 'marriage'
        ? `J${ctx.county.code}-${ctx.options.year}-${String(++ctx.counters.marriageCertificate).padStart(6, '0')}`
        : `L${ctx.county.code}-${ctx.options.year}-${String(++ctx.counters.divorceCertificate).padStart(6, '0')}`;
    const man = local.sex === 'M' ? local : spouse;
    const woman = local.sex === 'F' ? local : spouse;
    const hukouOf = (p: Person): string | undefined => {
      const code = p === local ? this.household.village : (spouseHukou ?? p.hukou);
      return /^(\d{12}|\d{9})$/.test(code) && this.content.chance(0.5) ? code : undefined;
    };
    const manFirst = this.content.chance(0.8);
    const [a, b] = manFirst ? [man, woman] : [woman, man];
    const [hukouA, hukouB] = [hukouOf(a), hukouOf(b)];
    const regionCode = this.regionCode();
    return {
      kind: 'marriage-record',
      eventDay: day,
      roles: [
        ['partyA', a],
        ['partyB', b],
      ],
      build: (reportedAt) => {
        const record: MarriageRecord = {
          recordId: `MZ-${ctx.county.code}-${ctx.options.year}-${String(n).padStart(5, '0')}`,
          eventDate: isoDate(day),
          reportedAt,
          regionCode,
          registrationType: type,
          partyA: personObject(a, hukouA),
          partyB: personObject(b, hukouB),
          certificateNumber: certificate,
          registrationOffice: { ...ctx.marriageOffice },
        };
        return record;
      },
    };
  }

  private notice(event: Extract<LifeEvent, { type: 'birth' }>): Draft {
    const ctx = this.ctx;
    const { mother, child, father } = event;
    const recordId = `${ctx.county.abbreviation}-CS-${ctx.options.year}-${String(++ctx.counters.notice).padStart(6, '0')}`;
    const certificate = this.content.chance(0.9) ? `${ctx.county.code.startsWith('51') ? 'Q' : 'P'}${ctx.county.code.slice(0, 2)}${String(++ctx.counters.birthCertificate).padStart(7, '0')}` : undefined;
    const childName = this.content.chance(0.5) ? child.name : undefined;
    const motherHukou = /^(\d{12}|\d{9})$/.test(mother.hukou) && this.content.chance(0.6) ? mother.hukou : undefined;
    const withFather = father !== undefined && this.content.chance(0.85);
    const township = this.household.village.slice(0, 9);
    const facility = this.content.chance(0.6) ? this.content.pick(ctx.facilities.county) : ctx.facilities.township(township);
    const regionCode = this.regionCode();
    const roles: [string, Person][] = [
      ['mother', mother],
      ['child', child],
    ];
    if (withFather) roles.push(['father', father]);
    return {
      kind: 'birth-notice',
      eventDay: event.day,
      roles,
      build: (reportedAt) => {
        const record: BirthNoticeRecord = {
          recordId,
          eventDate: isoDate(event.day),
          reportedAt,
          regionCode,
          child: {
            sex: child.sex,
            birthDate: child.birthDate,
            ...(childName !== undefined ? { name: childName } : {}),
            ...(certificate !== undefined ? { birthCertificateNumber: certificate } : {}),
          },
          mother: personObject(mother, motherHukou),
          birthOrder: event.order,
          facility: { ...facility },
        };
        if (withFather) {
          // The contract's field order: father before birthOrder.
          const { birthOrder, facility: f, ...head } = record;
          return { ...head, father: personObject(father), birthOrder, facility: f } as BirthNoticeRecord;
        }
        return record;
      },
    };
  }

  // ------------------------------------------------------------------------------ faults

  private withFaults(draft: Draft): FeedEntry | undefined {
    const { ctx, faults: rng } = this;
    const rates = ctx.options.rates;
    const late = rng.chance(rates.lateReport);
    const x = rng.next();
    const delay = late ? rng.int(31, 70) : x < 0.5 ? 0 : x < 0.8 ? rng.int(1, 3) : rng.int(4, 14);
    const reportedDay = draft.eventDay + delay;
    if (reportedDay > ctx.asOf) {
      this.counts.notYetReported++;
      return undefined;
    }
    const record = draft.build(cstTimestamp(reportedDay, rng.int(8 * 3600, 19 * 3600)));
    const codes: string[] = [];

    if (rng.chance(rates.nameTypo)) {
      const target = this.nameTarget(draft.kind, record);
      if (target) {
        const person = draft.roles.find(([role]) => role === target.role)![1];
        const typo = mistypeName(rng, target.get(), person.sex, civilOf(person.birth).year);
        target.set(typo.name);
        codes.push(typo.fault);
      }
    }
    const persons = personObjects(record);
    if (rng.chance(rates.fifteenDigitId)) {
      const old = persons.filter(([, p]) => p.citizenId?.length === 18 && p.birthDate < '1985-01-01' && p.birthDate >= '1900-01-01');
      if (old.length > 0) {
        const [, p] = rng.pick(old);
        p.citizenId = fifteenDigitForm(p.citizenId!);
        codes.push('fifteen-digit-id');
      }
    }
    if (draft.kind === 'birth-notice') this.noticeFaults(rng, record as BirthNoticeRecord, codes);

    let valid = true;
    if (rng.chance(rates.invalid)) {
      const code = this.breakRecord(rng, draft.kind, record);
      codes.push(`invalid:${code}`);
      valid = false;
    }
    for (const code of codes) this.count(code.startsWith('invalid:') ? 'invalid' : code);
    const persons2: Record<string, string> = {};
    for (const [role, person] of draft.roles) persons2[role] = truthId(ctx, person);
    return {
      kind: draft.kind,
      record,
      valid,
      truth: { kind: draft.kind, recordId: record.recordId, persons: persons2, late: delay > ctx.options.lateAfterDays, lateDays: delay, faults: codes },
    };
  }

  private noticeFaults(rng: RandomSource, record: BirthNoticeRecord, codes: string[]): void {
    const rates = this.ctx.options.rates;
    if (rng.chance(rates.motherWithoutId)) {
      delete record.mother.citizenId;
      codes.push('mother-without-id');
    }
    if (rng.chance(rates.checkDigit)) {
      const candidates = [record.mother, ...(record.father ? [record.father] : [])].filter((p) => p.citizenId?.length === 18);
      if (candidates.length > 0) {
        const p = candidates.length > 1 && rng.chance(0.3) ? candidates[1] : candidates[0];
        p.citizenId = withWrongCheckDigit(rng, p.citizenId!);
        codes.push('check-digit');
      }
    }
    if (rng.chance(rates.birthOrderError)) {
      record.birthOrder = record.birthOrder === 1 ? 2 : record.birthOrder + (rng.chance(0.5) ? 1 : -1);
      codes.push('birth-order');
    }
    if (rng.chance(rates.birthDateTypo)) {
      const [year, month, day] = record.mother.birthDate.split('-').map(Number);
      const shifted = addYears(dayOf(year, month, day), rng.chance(0.5) ? 1 : -1);
      record.mother.birthDate = isoDate(shifted);
      codes.push('birth-date-typo');
    }
  }

  /** Makes the record break the contract in one way, and returns the error code the hub will give. */
  private breakRecord(rng: RandomSource, kind: Draft['kind'], record: ExchangeRecord): string {
    const raw = record as unknown as Record<string, unknown>;
    const options: (() => string | undefined)[] = [];
    const region = () => {
      raw.regionCode = `99${String(raw.regionCode).slice(2)}`;
      return 'region-code';
    };
    const checksum = (p: PersonObject) => () => {
      if (p.citizenId?.length !== 18) return undefined;
      p.citizenId = withWrongCheckDigit(rng, p.citizenId);
      return 'citizen-id-checksum';
    };
    if (kind === 'hukou-change') {
      const r = record as HukouChangeRecord;
      options.push(checksum(r.person), region, () => {
        delete (r.person as Partial<PersonObject>).name;
        return 'required';
      }, () => {
        r.eventDate = r.eventDate.replaceAll('-', '/');
        return 'format';
      });
    } else if (kind === 'marriage-record') {
      const r = record as MarriageRecord;
      options.push(checksum(r.partyB), checksum(r.partyA), region, () => {
        delete (raw as { certificateNumber?: string }).certificateNumber;
        return 'required';
      });
    } else {
      const r = record as BirthNoticeRecord;
      options.push(
        () => {
          r.child.birthCertificateNumber = `q${String(rng.int(0, 999_999_999)).padStart(9, '0')}`;
          return 'pattern';
        },
        () => {
          r.birthOrder = 0;
          return 'out-of-range';
        },
        () => {
          delete (raw as { facility?: unknown }).facility;
          return 'required';
        },
        () => {
          (r.child as { sex: string }).sex = 'U';
          return 'enum';
        },
      );
    }
    for (;;) {
      const code = rng.pick(options)();
      if (code !== undefined) return code;
    }
  }

  private nameTarget(kind: Draft['kind'], record: ExchangeRecord): { role: string; get: () => string; set: (name: string) => void } | undefined {
    const of = (role: string, holder: { name?: string } | undefined) =>
      holder?.name === undefined ? undefined : { role, get: () => holder.name!, set: (name: string) => (holder.name = name) };
    if (kind === 'hukou-change') return of('person', (record as HukouChangeRecord).person);
    if (kind === 'marriage-record') {
      const r = record as MarriageRecord;
      return this.faults.chance(0.5) ? of('partyA', r.partyA) : of('partyB', r.partyB);
    }
    const r = record as BirthNoticeRecord;
    const x = this.faults.next();
    if (x < 0.1 && r.child.name !== undefined) return of('child', r.child);
    if (x < 0.3 && r.father) return of('father', r.father);
    return of('mother', r.mother);
  }

  private count(code: string): void {
    this.counts.faults[code] = (this.counts.faults[code] ?? 0) + 1;
  }
}

function personObject(person: Person, hukouRegionCode?: string): PersonObject {
  const out: PersonObject = { citizenId: person.citizenId!, name: person.name, sex: person.sex, birthDate: person.birthDate };
  if (hukouRegionCode !== undefined) out.hukouRegionCode = hukouRegionCode;
  return out;
}

/** The person objects of a record, by role. */
function personObjects(record: ExchangeRecord): [string, PersonObject][] {
  const r = record as unknown as Record<string, unknown>;
  const out: [string, PersonObject][] = [];
  for (const role of ['person', 'partyA', 'partyB', 'mother', 'father']) {
    const value = r[role];
    if (value && typeof value === 'object') out.push([role, value as PersonObject]);
  }
  return out;
}

