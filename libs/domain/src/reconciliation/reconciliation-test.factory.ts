/** Factories with overrides for the reconciliation specs (not exported from the library). */
import { checkCharacter } from '../citizen-id';
import { reconciliationConfig } from './config';
import type { AgencyFact, CardChild, ReconciliationConfig, RegistryCardView, Sex } from './types';

export const COUNTY = '511325';
export const VILLAGE = '511325104003';

/** A valid 18-character id: odd sequence for men, even for women. */
export function citizenIdFor(birthDate: string, sex: Sex, serial = 1, region = COUNTY): string {
  const sequence = String(serial * 2 + (sex === 'M' ? 1 : 0)).padStart(3, '0');
  const first17 = `${region}${birthDate.replaceAll('-', '')}${sequence}`;
  return first17 + checkCharacter(first17);
}

export function aConfig(overrides: Partial<ReconciliationConfig> = {}): ReconciliationConfig {
  return reconciliationConfig({ asOf: '2025-12-31', countyCode: COUNTY, ...overrides });
}

export function aChild(overrides: Partial<CardChild> = {}): CardChild {
  return { sex: 'M', birthDate: '2025-06-01', birthOrder: 1, policyCompliant: true, ...overrides };
}

export const WOMAN_ID = citizenIdFor('1995-03-08', 'F');
export const HUSBAND_ID = citizenIdFor('1993-11-20', 'M');

export function aCard(overrides: Partial<RegistryCardView> = {}): RegistryCardView {
  return {
    cardId: 'XC-511325104003-00001',
    version: 1,
    eventDate: '2025-01-01',
    regionCode: VILLAGE,
    woman: { citizenId: WOMAN_ID, name: '张秀英', sex: 'F', birthDate: '1995-03-08' },
    maritalStatus: 'married',
    marriageDate: '2018-05-01',
    residenceStatus: 'resident',
    husband: { citizenId: HUSBAND_ID, name: '李强', sex: 'M', birthDate: '1993-11-20' },
    children: [],
    recordId: 'RC-XC-511325104003-00001-v1',
    ...overrides,
  };
}

/** The mother's fact of a birth notice, linked to her card. */
export function aBirthNotice(overrides: Partial<AgencyFact> & { child?: { sex: Sex; birthDate: string }; birthOrder?: number } = {}): AgencyFact {
  const { child = { sex: 'M', birthDate: '2025-06-01' }, birthOrder = 1, ...rest } = overrides;
  return {
    kind: 'birth-notice',
    event: 'birth',
    eventDate: child.birthDate,
    regionCode: VILLAGE,
    role: 'mother',
    person: { citizenId: WOMAN_ID, name: '张秀英', sex: 'F', birthDate: '1995-03-08' },
    cardId: 'XC-511325104003-00001',
    detail: { child, birthOrder },
    recordId: `CS-${child.birthDate}-${child.sex}`,
    ...rest,
  };
}

export function aMarriageRecord(event: 'marriage' | 'divorce', eventDate: string, overrides: Partial<AgencyFact> = {}): AgencyFact {
  return {
    kind: 'marriage-record',
    event,
    eventDate,
    regionCode: VILLAGE,
    role: 'partyB',
    person: { citizenId: WOMAN_ID, name: '张秀英', sex: 'F', birthDate: '1995-03-08' },
    cardId: 'XC-511325104003-00001',
    recordId: `MZ-${event}-${eventDate}`,
    ...overrides,
  };
}

export function aHukouChange(event: AgencyFact['event'], eventDate: string, overrides: Partial<AgencyFact> = {}): AgencyFact {
  return {
    kind: 'hukou-change',
    event,
    eventDate,
    regionCode: VILLAGE,
    role: 'person',
    person: { citizenId: WOMAN_ID, name: '张秀英', sex: 'F', birthDate: '1995-03-08' },
    cardId: 'XC-511325104003-00001',
    recordId: `HJ-${event}-${eventDate}`,
    ...overrides,
  };
}
