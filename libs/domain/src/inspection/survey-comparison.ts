import { normaliseCitizenId } from '../citizen-id';
import { normaliseName } from '../person-name';
import type { FrameHousehold, FramePerson, FrameVillage, ItemEntry, ReturnPerson, SurveyItem, SurveyReturn } from './survey-types';

/**
 * A survey return compared with the registry as it stood on the survey day. Every disagreement is a
 * finding (a person or a birth the registry lacks, an item that differs, a registered person who is not
 * there); every item compared and every birth found is counted, for the check's indicators.
 */

/** One child as the survey found it, in a woman's `children` item (its value is the JSON of a list of these). */
export interface SurveyChild {
  birthDate: string;
  sex?: 'F' | 'M';
  name?: string;
}

/** Reasons that say a registered person is not where the registry has them (absent and refused do not). */
export const NOT_THERE_REASONS = ['moved-away', 'deceased', 'not-found'] as const;

export type SurveyFinding =
  | { kind: 'person-not-in-registry'; path: string; groupCode: string; householdKey: string; personKey: string; found: Partial<Record<SurveyItem, string | null>> }
  | { kind: 'birth-not-in-registry'; path: string; groupCode: string; householdKey: string; personKey: string; child: SurveyChild }
  | { kind: 'item-differs'; path: string; groupCode: string; householdKey: string; personKey: string; item: SurveyItem; registry: string | null; found: string | null }
  | { kind: 'person-not-there'; path: string; groupCode: string; householdKey: string; personKey: string; reason: string };

/** One item compared: the unit of the share of items that agree. */
export interface ItemComparison {
  groupCode: string;
  personKey: string;
  item: SurveyItem;
  agrees: boolean;
}

/** One birth the survey found in the period: the unit of 出生统计求实率. */
export interface BirthFound {
  groupCode: string;
  personKey: string;
  birthDate: string;
  registered: boolean;
}

export interface SurveyComparison {
  returnId: string;
  villageCode: string;
  findings: SurveyFinding[];
  items: ItemComparison[];
  births: BirthFound[];
}

/** The period whose births count (the assessment year); births outside it are still compared as items. */
export interface BirthPeriod {
  from: string;
  to: string;
}

/** Items the registry holds and the survey can therefore compare; `contraception` is recorded, not compared. */
const COMPARED_ITEMS: readonly SurveyItem[] = ['name', 'citizenId', 'sex', 'birthDate', 'maritalStatus', 'children'];

export function compareWithRegistry(survey: SurveyReturn, registry: FrameVillage, period: BirthPeriod): SurveyComparison {
  const households = new Map<string, FrameHousehold>();
  for (const group of registry.groups) for (const household of group.households) households.set(household.householdKey, household);
  const comparison: SurveyComparison = { returnId: survey.returnId, villageCode: survey.villageCode, findings: [], items: [], births: [] };

  for (const group of survey.groups) {
    if (group.status !== 'checked') continue;
    for (const household of group.households) {
      const path = `group ${group.groupCode} / household ${household.householdKey}`;
      const registered = households.get(household.householdKey);
      const here = { groupCode: group.groupCode, householdKey: household.householdKey };
      if (household.status !== 'checked') {
        // A household that moved away (or is not found) takes every registered person with it.
        if (registered && isNotThere(household.reason)) {
          for (const person of registered.persons) {
            comparison.findings.push({ kind: 'person-not-there', path: `${path} / person ${person.personKey}`, ...here, personKey: person.personKey, reason: household.reason! });
          }
        }
        continue;
      }
      const registeredPersons = new Map((registered?.persons ?? []).map((p) => [p.personKey, p]));
      for (const person of household.persons) {
        const personPath = `${path} / person ${person.personKey}`;
        const known = registeredPersons.get(person.personKey);
        if (person.status !== 'checked') {
          if (known && isNotThere(person.reason)) comparison.findings.push({ kind: 'person-not-there', path: personPath, ...here, personKey: person.personKey, reason: person.reason! });
          continue;
        }
        if (!known) {
          comparison.findings.push({ kind: 'person-not-in-registry', path: personPath, ...here, personKey: person.personKey, found: foundValues(person) });
        } else {
          for (const entry of person.items) {
            if (entry.status !== 'checked' || !COMPARED_ITEMS.includes(entry.item)) continue;
            const registryValue = registryItem(known, entry.item, registered!);
            if (registryValue === undefined) continue;
            const agrees = itemsAgree(entry.item, registryValue, entry.value);
            comparison.items.push({ groupCode: group.groupCode, personKey: person.personKey, item: entry.item, agrees });
            if (!agrees) comparison.findings.push({ kind: 'item-differs', path: `${personPath} / item ${entry.item}`, ...here, personKey: person.personKey, item: entry.item, registry: registryValue, found: entry.value });
          }
        }
        birthsOf(person, known, registered, period, here, personPath, comparison);
      }
    }
  }
  return comparison;
}

function isNotThere(reason: string | undefined): boolean {
  return (NOT_THERE_REASONS as readonly string[]).includes(reason ?? '');
}

function foundValues(person: ReturnPerson): Partial<Record<SurveyItem, string | null>> {
  const found: Partial<Record<SurveyItem, string | null>> = {};
  for (const entry of person.items) if (entry.status === 'checked') found[entry.item] = entry.value;
  return found;
}

/** The registry's value of an item, or undefined when the registry does not hold that item for this person. */
function registryItem(person: FramePerson, item: SurveyItem, household: FrameHousehold): string | null | undefined {
  switch (item) {
    case 'name': return person.name;
    case 'citizenId': return person.citizenId;
    case 'sex': return person.sex;
    case 'birthDate': return person.birthDate;
    case 'maritalStatus': return person.role === 'woman' ? person.maritalStatus ?? null : undefined;
    case 'children': return person.role === 'woman' ? childrenValue(registeredChildren(person, household)) : undefined;
    default: return undefined;
  }
}

function registeredChildren(woman: FramePerson, household: FrameHousehold): FramePerson[] {
  return household.persons.filter((p) => p.role === 'child' && p.cardId === woman.cardId);
}

/** The registry's children as the survey writes them: birth dates in order, the JSON list of SurveyChild. */
function childrenValue(children: readonly FramePerson[]): string {
  return JSON.stringify(children.map((c) => c.birthDate ?? '').sort().map((birthDate) => ({ birthDate })));
}

/** Parses a `children` item's value; a value that is not such a list counts as no child found. */
export function parseChildren(value: string | null): SurveyChild[] {
  if (!value) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((c): c is SurveyChild => typeof c === 'object' && c !== null && typeof (c as SurveyChild).birthDate === 'string');
  } catch {
    return [];
  }
}

export function itemsAgree(item: SurveyItem, registry: string | null, found: string | null): boolean {
  if (registry === null || found === null) return registry === found;
  switch (item) {
    case 'name': return normaliseName(registry) === normaliseName(found);
    case 'citizenId': return normaliseCitizenId(registry) === normaliseCitizenId(found);
    case 'children': {
      const dates = (value: string) => parseChildren(value).map((c) => c.birthDate).sort().join(',');
      return dates(registry) === dates(found);
    }
    default: return registry.trim() === found.trim();
  }
}

/** The births in the period a woman's `children` item lists, each registered or not (a birth the registry lacks). */
function birthsOf(
  person: ReturnPerson,
  known: FramePerson | undefined,
  household: FrameHousehold | undefined,
  period: BirthPeriod,
  here: { groupCode: string; householdKey: string },
  path: string,
  comparison: SurveyComparison,
): void {
  const entry = person.items.find((i): i is Extract<ItemEntry, { status: 'checked' }> => i.item === 'children' && i.status === 'checked');
  if (!entry) return;
  // Each registered birth date matches one child found on it (twins are two).
  const registeredDates = known && household ? registeredChildren(known, household).map((c) => c.birthDate) : [];
  for (const child of parseChildren(entry.value)) {
    const at = registeredDates.indexOf(child.birthDate);
    if (at >= 0) registeredDates.splice(at, 1);
    if (child.birthDate < period.from || child.birthDate > period.to) continue;
    comparison.births.push({ groupCode: here.groupCode, personKey: person.personKey, birthDate: child.birthDate, registered: at >= 0 });
    if (at < 0) comparison.findings.push({ kind: 'birth-not-in-registry', path: `${path} / item children`, ...here, personKey: person.personKey, child });
  }
}
