import type {
  FramePerson, FrameVillage, ItemEntry, ReturnGroup, ReturnHousehold, ReturnPerson, SurveyItem, SurveyReturn,
} from '@sanxian/domain';

/**
 * A return while it is filled: a SurveyReturn in which every group, household and person of the
 * frame is present from the start (visited, until marked otherwise with a reason) and an item has
 * its entry only once the inspector has checked it or given a reason. What is not accounted for
 * is what `missingFromReturn` lists; the return can be signed only when that list is empty.
 */

export function newDraft(params: { returnId: string; campaignId: string; drawId: string; surveyDate: string; village: FrameVillage }): SurveyReturn {
  const { village } = params;
  return {
    returnId: params.returnId,
    campaignId: params.campaignId,
    drawId: params.drawId,
    villageCode: village.villageCode,
    surveyDate: params.surveyDate,
    groups: village.groups.map((group): ReturnGroup => ({
      groupCode: group.groupCode,
      status: 'checked',
      households: group.households.map((household): ReturnHousehold => ({
        householdKey: household.householdKey,
        status: 'checked',
        persons: household.persons.map((person): ReturnPerson => ({ personKey: person.personKey, status: 'checked', items: [] })),
      })),
    })),
  };
}

/** One thing a return leaves out (村不漏组、组不漏户、户不漏人、人不漏项), where it is. */
export interface Missing {
  groupCode: string;
  householdKey?: string;
  personKey?: string;
  item?: SurveyItem;
}

/**
 * Everything the return does not account for, in the frame's order: a frame group, household or
 * person absent from the return, or marked not checked without a reason; an item of a visited
 * person with no entry. Households and persons the inspector added are held to the same rules.
 */
export function missingFromReturn(value: SurveyReturn, village: FrameVillage, items: readonly SurveyItem[]): Missing[] {
  const missing: Missing[] = [];
  const unaccounted = (node: { status: string; reason?: string } | undefined) => !node || (node.status === 'not-checked' && !node.reason);
  for (const frameGroup of village.groups) {
    const group = value.groups.find((g) => g.groupCode === frameGroup.groupCode);
    const where = { groupCode: frameGroup.groupCode };
    if (unaccounted(group)) {
      missing.push(where);
      continue;
    }
    if (group!.status === 'not-checked') continue;
    const households = [
      ...frameGroup.households.map((h) => ({ key: h.householdKey, persons: h.persons.map((p) => p.personKey) })),
      ...group!.households.filter((h) => h.added).map((h) => ({ key: h.householdKey, persons: [] as string[] })),
    ];
    for (const frameHousehold of households) {
      const household = group!.households.find((h) => h.householdKey === frameHousehold.key);
      const at = { ...where, householdKey: frameHousehold.key };
      if (unaccounted(household)) {
        missing.push(at);
        continue;
      }
      if (household!.status === 'not-checked') continue;
      const personKeys = [...frameHousehold.persons, ...household!.persons.map((p) => p.personKey).filter((k) => !frameHousehold.persons.includes(k))];
      for (const personKey of personKeys) {
        const person = household!.persons.find((p) => p.personKey === personKey);
        if (unaccounted(person)) {
          missing.push({ ...at, personKey });
          continue;
        }
        if (person!.status === 'not-checked') continue;
        for (const item of items) {
          const entry = person!.items.find((e) => e.item === item);
          if (!entry || (entry.status === 'not-checked' && !entry.reason)) missing.push({ ...at, personKey, item });
        }
      }
    }
  }
  return missing;
}

/** The frame's value of an item for a person, as the inspector would check it (empty for a person the frame lacks). */
export function frameValue(person: FramePerson | undefined, item: SurveyItem): string {
  if (!person) return '';
  switch (item) {
    case 'name': return person.name ?? '';
    case 'citizenId': return person.citizenId ?? '';
    case 'sex': return person.sex ?? '';
    case 'birthDate': return person.birthDate ?? '';
    case 'maritalStatus': return person.maritalStatus ?? '';
    default: return '';
  }
}

/** Sets (or replaces) one item's entry of a person. */
export function withItem(person: ReturnPerson, entry: ItemEntry): ReturnPerson {
  return { ...person, items: [...person.items.filter((e) => e.item !== entry.item), entry] };
}
