import type { SynthOptions } from '@sanxian/synth';

/**
 * Fault rates far above a real county's (typos, missing and 15-digit ids, mistyped card ids, stale
 * cards): a small synthetic county then holds every kind of discrepancy and every linkage difficulty.
 */
export const FAULT_HEAVY: SynthOptions['rates'] = {
  missingChild: 0.5, staleMarital: 0.5, staleResidence: 0.5, staleDeath: 0.5, mistypedWomanId: 0.05, nameTypo: 0.1, checkDigit: 0.1,
  motherWithoutId: 0.2, fifteenDigitId: 0.1, birthOrderError: 0.2, birthDateTypo: 0.1, noticeMissing: 0.2,
};
