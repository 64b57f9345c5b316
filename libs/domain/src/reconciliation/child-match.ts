import { isoDay } from './iso-day';
import type { CardChild, Sex } from './types';

/** A child on a card is the child of a birth record when the sex is the same and the birth dates are at most this far apart. */
export const CHILD_BIRTH_DATE_TOLERANCE_DAYS = 1;

export interface BirthStatement {
  sex: Sex;
  birthDate: string;
  /** When known (a notice), twins pair with the child of the same order first. */
  birthOrder?: number;
}

function gap(birth: BirthStatement, child: CardChild): number | undefined {
  if (birth.sex !== child.sex) return undefined;
  const days = Math.abs(isoDay(birth.birthDate) - isoDay(child.birthDate));
  return days <= CHILD_BIRTH_DATE_TOLERANCE_DAYS ? days : undefined;
}

/**
 * Pairs one source's births with a card's children, each child at most once (twins: two notices
 * need two children), as many pairs as possible, each birth preferring the closest birth date,
 * then the child of its own birth order, then the lower order. Returns, per birth, the index of its child in `children` or -1.
 */
export function matchChildren(births: readonly BirthStatement[], children: readonly CardChild[]): number[] {
  const candidates = births.map((birth) =>
    children
      .map((child, index) => ({ index, gap: gap(birth, child), other: child.birthOrder === birth.birthOrder ? 0 : 1, order: child.birthOrder }))
      .filter((c): c is { index: number; gap: number; other: number; order: number } => c.gap !== undefined)
      .sort((a, b) => a.gap - b.gap || a.other - b.other || a.order - b.order || a.index - b.index)
      .map((c) => c.index),
  );
  const ownerOf = new Map<number, number>();
  // Kuhn's augmenting paths: a handful of births and children per card.
  const assign = (birth: number, visited: Set<number>): boolean => {
    // A free child first, so that a birth keeps its preferred child unless another birth has no other.
    const free = candidates[birth].find((child) => !ownerOf.has(child));
    if (free !== undefined) {
      ownerOf.set(free, birth);
      return true;
    }
    for (const child of candidates[birth]) {
      if (visited.has(child)) continue;
      visited.add(child);
      const owner = ownerOf.get(child);
      if (owner === undefined || assign(owner, visited)) {
        ownerOf.set(child, birth);
        return true;
      }
    }
    return false;
  };
  for (let birth = 0; birth < births.length; birth++) assign(birth, new Set());
  const matched = births.map(() => -1);
  for (const [child, birth] of ownerOf) matched[birth] = child;
  return matched;
}
