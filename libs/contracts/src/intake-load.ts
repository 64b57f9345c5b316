import type { RecordKind } from './record-kinds';

/**
 * What a delivery is: the regular flow of events (the default), a system's initial load (the
 * family-planning registry's cards as they stand when the hub starts), or a history import
 * (records of past events, sent once). Loads are kept with their intake batches and never count
 * as late: they say nothing about how promptly an agency reports.
 */
export type IntakeLoad = 'regular' | 'initial' | 'history';
export const INTAKE_LOADS: readonly IntakeLoad[] = ['regular', 'initial', 'history'];

/**
 * The load a request declares with `?load=` (inside the signed path, so it cannot be changed on
 * the way), or why it may not: an initial load is the registry's only; other agencies have no
 * initial state, only history to import.
 */
export function requestedLoad(pathWithQuery: string, kind: RecordKind): { load: IntakeLoad } | { problem: string } {
  const query = pathWithQuery.includes('?') ? pathWithQuery.slice(pathWithQuery.indexOf('?') + 1) : '';
  const values = new URLSearchParams(query).getAll('load');
  if (values.length === 0) return { load: 'regular' };
  const [value] = values;
  if (values.length > 1 || !(INTAKE_LOADS as readonly string[]).includes(value)) return { problem: `load must be one of ${INTAKE_LOADS.join(', ')}; got "${values.join(',')}"` };
  if (value === 'initial' && kind !== 'registry-card') return { problem: `load=initial is the family-planning registry's initial load of registry-card records; send ${kind} records of past events with load=history` };
  return { load: value as IntakeLoad };
}
