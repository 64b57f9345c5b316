import {
  DEFAULT_SURVEY_ITEMS, itemsAsked, type FrameHousehold, type FramePerson, type FrameVillage, type ItemEntry, type NotCheckedReason,
  type ReturnHousehold, type ReturnPerson, type SurveyItem, type SurveyItemPlan, type SurveyReturn,
} from '@sanxian/domain';
import type { HouseholdTruth, MemberTruth } from './synth-records.types';

/**
 * A spot check's household survey as the inspectors would fill it at the doors of the synthetic county:
 * for every group and household of the drawn part of the frame, who really lives there (truth/households.ndjson)
 * with their true items, so that the registry's faults (a child never put on a card, a stale marital status,
 * a woman who moved away or died, a woman with no card) surface as the comparison's findings.
 *
 * What a survey at the door can and cannot see: a member working elsewhere (`away`) is not at home (absent);
 * a registered person the household does not hold is either living in another household (moved away) or not
 * found; the registry's scope is women of 15–49 with their husbands and children, so a household or person the
 * frame lacks is added only for such a woman (she should have a card). Contraception, which the synthetic county
 * does not model, is recorded as checked with nothing noted.
 */

/** Women of these ages at the survey day have a family card (the registry's scope). */
const CARD_AGES = { from: 15, to: 49 } as const;

/** An index of the county's truth for many returns: build once, survey many villages. */
export class HouseholdTruthIndex {
  readonly byHousehold = new Map<string, HouseholdTruth>();
  readonly byCard = new Map<string, { household: HouseholdTruth; member: MemberTruth }>();
  readonly householdOfPerson = new Map<string, HouseholdTruth>();
  readonly byGroup = new Map<string, HouseholdTruth[]>();

  constructor(households: readonly HouseholdTruth[]) {
    for (const household of households) {
      this.byHousehold.set(household.householdId, household);
      const group = `${household.villageCode}/${household.groupCode}`;
      this.byGroup.set(group, [...(this.byGroup.get(group) ?? []), household]);
      for (const member of household.members) {
        this.householdOfPerson.set(member.id, household);
        if (member.cardId) this.byCard.set(member.cardId, { household, member });
      }
    }
  }
}

export function surveyFromTruth(
  expected: FrameVillage,
  header: Pick<SurveyReturn, 'returnId' | 'campaignId' | 'drawId' | 'surveyDate'>,
  truth: HouseholdTruthIndex,
  options: { addMissingHouseholds: boolean; plan?: SurveyItemPlan },
): SurveyReturn {
  const plan = options.plan ?? DEFAULT_SURVEY_ITEMS;
  let added = 0;
  const newKey = () => `new:${++added}`;
  return {
    ...header,
    villageCode: expected.villageCode,
    groups: expected.groups.map((group) => {
      const matched = new Set<HouseholdTruth>();
      const households: ReturnHousehold[] = group.households.map((frameHousehold) => {
        const found = truthHousehold(frameHousehold, truth);
        const here = found && found.villageCode === expected.villageCode && found.groupCode === group.groupCode ? found : undefined;
        if (!here) return { householdKey: frameHousehold.householdKey, status: 'not-checked', reason: 'moved-away', persons: [] };
        matched.add(here);
        return surveyedHousehold(frameHousehold, here, header.surveyDate, truth, plan, newKey);
      });
      if (options.addMissingHouseholds) {
        for (const household of truth.byGroup.get(`${expected.villageCode}/${group.groupCode}`) ?? []) {
          if (matched.has(household)) continue;
          const women = household.members.filter((m) => inCardScope(m, header.surveyDate) && !m.away);
          if (women.length === 0) continue;
          households.push({
            householdKey: household.householdId, added: true, status: 'checked',
            persons: women.map((w) => ({ personKey: newKey(), status: 'checked', items: addedItems(w, plan) })),
          });
        }
      }
      return { groupCode: group.groupCode, status: 'checked', households };
    }),
  };
}

/** The real household a frame household is: by its police number, or (a card of its own) by the card's woman. */
function truthHousehold(frame: FrameHousehold, truth: HouseholdTruthIndex): HouseholdTruth | undefined {
  if (!frame.householdKey.startsWith('card:')) return truth.byHousehold.get(frame.householdKey);
  return truth.byCard.get(frame.householdKey.slice('card:'.length))?.household;
}

function surveyedHousehold(
  frame: FrameHousehold,
  household: HouseholdTruth,
  surveyDate: string,
  truth: HouseholdTruthIndex,
  plan: SurveyItemPlan,
  newKey: () => string,
): ReturnHousehold {
  const seen = new Set<MemberTruth>();
  const persons: ReturnPerson[] = frame.persons.map((person) => {
    const member = memberOf(person, household, truth);
    if (!member) return notChecked(person, elsewhere(person, household, truth) ? 'moved-away' : 'not-found');
    seen.add(member);
    if (member.away) return notChecked(person, 'absent');
    return { personKey: person.personKey, status: 'checked', items: itemsAsked(person, plan).map((item) => checked(item, member)) };
  });
  // A woman of the registry's scope living here whom the frame does not list: she has no card here.
  for (const member of household.members) {
    if (seen.has(member) || member.away || !inCardScope(member, surveyDate)) continue;
    if (frame.persons.some((p) => p.role === 'woman' && p.cardId === member.cardId)) continue;
    persons.push({ personKey: newKey(), status: 'checked', items: addedItems(member, plan) });
  }
  return { householdKey: frame.householdKey, status: 'checked', persons };
}

/** Who a frame person really is in the household: the card's woman, her husband by id or name, a child of hers by id or birth date. */
function memberOf(person: FramePerson, household: HouseholdTruth, truth: HouseholdTruthIndex): MemberTruth | undefined {
  const members = household.members;
  if (person.role === 'woman') return members.find((m) => m.cardId === person.cardId);
  if (person.role === 'husband') {
    return members.find((m) => m.sex === 'M' && person.citizenId !== null && m.id === person.citizenId)
      ?? members.find((m) => m.sex === 'M' && person.name !== null && m.name === person.name);
  }
  const mother = truth.byCard.get(person.cardId)?.member;
  const child = mother?.children?.find((c) => (person.citizenId !== null && c.id === person.citizenId) || c.birthDate === person.birthDate);
  return child ? members.find((m) => m.id === child.id) : undefined;
}

/** Whether a registered person the household does not hold lives in another household of the county. */
function elsewhere(person: FramePerson, household: HouseholdTruth, truth: HouseholdTruthIndex): boolean {
  const id = person.role === 'woman' ? truth.byCard.get(person.cardId)?.member.id : person.citizenId;
  const other = id ? truth.householdOfPerson.get(id) : undefined;
  return other !== undefined && other !== household;
}

function notChecked(person: FramePerson, reason: NotCheckedReason): ReturnPerson {
  return { personKey: person.personKey, status: 'not-checked', reason, items: [] };
}

/** A person the frame lacks: the items asked of anyone, and a woman's children (her births count in 求实率). */
function addedItems(member: MemberTruth, plan: SurveyItemPlan): ItemEntry[] {
  const items = [...itemsAsked(undefined, plan)];
  if (member.sex === 'F') for (const item of ['maritalStatus', 'children'] as const) if (!items.includes(item)) items.push(item);
  return items.map((item) => checked(item, member));
}

function checked(item: SurveyItem, member: MemberTruth): ItemEntry {
  return { item, status: 'checked', value: trueValue(item, member) };
}

function trueValue(item: SurveyItem, member: MemberTruth): string | null {
  switch (item) {
    case 'name': return member.name;
    // A `SYN-…` id is someone without a citizen id: the inspector notes none.
    case 'citizenId': return /^[0-9]{17}[0-9X]$/.test(member.id) ? member.id : null;
    case 'sex': return member.sex;
    case 'birthDate': return member.birthDate;
    case 'maritalStatus': return member.maritalStatus;
    case 'children': return JSON.stringify((member.children ?? []).map((c) => ({ birthDate: c.birthDate, sex: c.sex })).sort((a, b) => (a.birthDate < b.birthDate ? -1 : a.birthDate > b.birthDate ? 1 : 0)));
    default: return null;
  }
}

function inCardScope(member: MemberTruth, day: string): boolean {
  if (member.sex !== 'F') return false;
  const age = ageOn(member.birthDate, day);
  return age >= CARD_AGES.from && age <= CARD_AGES.to;
}

function ageOn(birthDate: string, day: string): number {
  const years = Number(day.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return day.slice(5) < birthDate.slice(5) ? years - 1 : years;
}
