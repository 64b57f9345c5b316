import {
  NOT_CHECKED_REASONS,
  SURVEY_ITEMS,
  type FrameHousehold,
  type FramePerson,
  type FrameVillage,
  type ItemEntry,
  type ReturnHousehold,
  type ReturnPerson,
  type SurveyItem,
  type SurveyReturn,
} from './survey-types';

/**
 * Completeness of a household survey return (村不漏组、组不漏户、户不漏人、人不漏项): every group of the
 * drawn part of the village, every household of a checked group, every person of a checked household
 * and every item the plan asks of a checked person is accounted for — checked, or not checked for one of
 * NOT_CHECKED_REASONS. A return that is not complete cannot be signed, nor accepted by the hub.
 */

/** The items the survey asks of each role (the plan may ask fewer). A person the frame lacks is asked `added`. */
export interface SurveyItemPlan {
  woman: readonly SurveyItem[];
  husband: readonly SurveyItem[];
  child: readonly SurveyItem[];
  /** A person the inspector found whom the frame lacks: the items asked of anyone. */
  added: readonly SurveyItem[];
}

export const DEFAULT_SURVEY_ITEMS: SurveyItemPlan = {
  woman: SURVEY_ITEMS,
  husband: ['name', 'citizenId', 'sex', 'birthDate', 'maritalStatus'],
  child: ['name', 'citizenId', 'sex', 'birthDate'],
  added: ['name', 'citizenId', 'sex', 'birthDate'],
};

export type CompletenessProblemKind = 'missing' | 'no-reason' | 'unknown-reason' | 'not-in-frame' | 'duplicate' | 'reason-on-checked';

/** One gap, named by its path: "group 03 / household 5113250001234 / person card-17:child:2 / item birthDate". */
export interface CompletenessProblem {
  path: string;
  kind: CompletenessProblemKind;
}

const REASONS: ReadonlySet<string> = new Set(NOT_CHECKED_REASONS);

const PROBLEM_TEXT: Record<CompletenessProblemKind, string> = {
  missing: 'missing: neither checked nor marked with a reason',
  'no-reason': 'not checked, with no reason given',
  'unknown-reason': `not checked, with a reason not in the list (${NOT_CHECKED_REASONS.join(', ')})`,
  'not-in-frame': 'not in the frame (a household the frame lacks is marked added; a person it lacks has a key new:<n>)',
  duplicate: 'listed more than once',
  'reason-on-checked': 'checked and yet given a reason not to be',
};

export function completenessMessage(problem: CompletenessProblem): string {
  return `${problem.path}: ${PROBLEM_TEXT[problem.kind]}`;
}

/** What is missing from `survey` against `expected` (the frame's drawn part of the return's village); empty when complete. */
export function returnCompleteness(
  expected: FrameVillage,
  survey: SurveyReturn,
  plan: SurveyItemPlan = DEFAULT_SURVEY_ITEMS,
): CompletenessProblem[] {
  const problems: CompletenessProblem[] = [];
  const add = (path: string, kind: CompletenessProblemKind) => problems.push({ path, kind });
  if (survey.villageCode !== expected.villageCode) add(`village ${survey.villageCode}`, 'not-in-frame');

  const groups = byKey(survey.groups, (g) => g.groupCode, (code) => add(`group ${code}`, 'duplicate'));
  for (const group of survey.groups) {
    if (!expected.groups.some((g) => g.groupCode === group.groupCode)) add(`group ${group.groupCode}`, 'not-in-frame');
  }
  for (const frameGroup of expected.groups) {
    const path = `group ${frameGroup.groupCode}`;
    const group = groups.get(frameGroup.groupCode);
    if (!group) { add(path, 'missing'); continue; }
    if (!accountedFor(group, path, add)) continue;
    const households = byKey(group.households, (h) => h.householdKey, (key) => add(`${path} / household ${key}`, 'duplicate'));
    const frameHouseholds = new Map(frameGroup.households.map((h) => [h.householdKey, h]));
    for (const frameHousehold of frameGroup.households) {
      const household = households.get(frameHousehold.householdKey);
      const householdPath = `${path} / household ${frameHousehold.householdKey}`;
      if (!household) add(householdPath, 'missing');
      else householdCompleteness(frameHousehold, household, householdPath, plan, add);
    }
    for (const household of group.households) {
      if (frameHouseholds.has(household.householdKey)) continue;
      const householdPath = `${path} / household ${household.householdKey}`;
      if (!household.added) add(householdPath, 'not-in-frame');
      else householdCompleteness({ householdKey: household.householdKey, persons: [] }, household, householdPath, plan, add);
    }
  }
  return problems;
}

function householdCompleteness(
  frame: FrameHousehold,
  household: ReturnHousehold,
  path: string,
  plan: SurveyItemPlan,
  add: (path: string, kind: CompletenessProblemKind) => void,
): void {
  if (!accountedFor(household, path, add)) return;
  const persons = byKey(household.persons, (p) => p.personKey, (key) => add(`${path} / person ${key}`, 'duplicate'));
  const framePersons = new Map(frame.persons.map((p) => [p.personKey, p]));
  for (const framePerson of frame.persons) {
    const personPath = `${path} / person ${framePerson.personKey}`;
    const person = persons.get(framePerson.personKey);
    if (!person) add(personPath, 'missing');
    else personCompleteness(person, plan[framePerson.role], personPath, add);
  }
  for (const person of household.persons) {
    if (framePersons.has(person.personKey)) continue;
    const personPath = `${path} / person ${person.personKey}`;
    if (!person.personKey.startsWith('new:')) add(personPath, 'not-in-frame');
    else personCompleteness(person, plan.added, personPath, add);
  }
}

function personCompleteness(person: ReturnPerson, items: readonly SurveyItem[], path: string, add: (path: string, kind: CompletenessProblemKind) => void): void {
  if (!accountedFor(person, path, add)) return;
  const entries = byKey(person.items, (i) => i.item, (item) => add(`${path} / item ${item}`, 'duplicate'));
  for (const item of items) {
    const entry = entries.get(item);
    const itemPath = `${path} / item ${item}`;
    if (!entry) add(itemPath, 'missing');
    else itemAccountedFor(entry, itemPath, add);
  }
}

function itemAccountedFor(entry: ItemEntry, path: string, add: (path: string, kind: CompletenessProblemKind) => void): void {
  if (entry.status === 'checked') return;
  if (entry.status !== 'not-checked') add(path, 'missing');
  else if (!entry.reason) add(path, 'no-reason');
  else if (!REASONS.has(entry.reason)) add(path, 'unknown-reason');
}

/** True when the entry was checked (its parts must then be accounted for); a not-checked entry needs a listed reason. */
function accountedFor(
  entry: { status: string; reason?: string },
  path: string,
  add: (path: string, kind: CompletenessProblemKind) => void,
): boolean {
  if (entry.status === 'checked') {
    if (entry.reason) add(path, 'reason-on-checked');
    return true;
  }
  if (entry.status !== 'not-checked') add(path, 'missing');
  else if (!entry.reason) add(path, 'no-reason');
  else if (!REASONS.has(entry.reason)) add(path, 'unknown-reason');
  return false;
}

function byKey<T>(entries: readonly T[], key: (entry: T) => string, duplicate: (key: string) => void): Map<string, T> {
  const map = new Map<string, T>();
  for (const entry of entries) {
    const k = key(entry);
    if (map.has(k)) duplicate(k);
    else map.set(k, entry);
  }
  return map;
}

/** The persons of a frame household by role, for callers that need the plan's items of one person. */
export function itemsAsked(person: FramePerson | undefined, plan: SurveyItemPlan = DEFAULT_SURVEY_ITEMS): readonly SurveyItem[] {
  return person ? plan[person.role] : plan.added;
}
