import { prefilledReturn } from './survey-prefill';
import type { FramePerson, FrameVillage, SurveyReturn } from './survey-types';

/**
 * A small village for the inspection specs (and the returns library's): two groups, three households, a
 * woman with her husband and child; and a return that finds exactly what the frame holds.
 */

const VILLAGE = '511325101201';
const TOWNSHIP = '511325101';

function person(cardId: string, role: FramePerson['role'], ordinal: number, name: string, sex: 'F' | 'M', birthDate: string): FramePerson {
  const personKey = role === 'child' ? `${cardId}:child:${ordinal}` : `${cardId}:${role}`;
  return { personKey, cardId, role, name, citizenId: null, sex, birthDate, ...(role === 'woman' ? { maritalStatus: 'married' } : {}) };
}

export function sampleVillage(): FrameVillage {
  return {
    villageCode: VILLAGE,
    townshipCode: TOWNSHIP,
    groups: [
      {
        groupCode: '01',
        households: [
          { householdKey: '5113250001234', persons: [person('card-17', 'woman', 0, '张秀英', 'F', '1994-03-02'), person('card-17', 'husband', 0, '李建国', 'M', '1992-07-09'), person('card-17', 'child', 1, '李小红', 'F', '2026-02-14')] },
          { householdKey: 'card:card-18', persons: [person('card-18', 'woman', 0, '王芳', 'F', '1990-11-20')] },
        ],
      },
      { groupCode: '02', households: [{ householdKey: '5113250009876', persons: [person('card-19', 'woman', 0, '陈丽', 'F', '1997-05-05')] }] },
    ],
  };
}

/** A complete return that agrees with the frame in every item. */
export function faithfulReturn(village: FrameVillage = sampleVillage(), returnId = '6f1c2a4e-8b1d-4c2e-9a7f-0d3b5e6a7c81'): SurveyReturn {
  return prefilledReturn(village, { returnId, campaignId: 'c-2026-1', drawId: 'd-2026-1-1', surveyDate: '2026-06-10' });
}
