import { sha256Hex } from '../sha256';

/**
 * Rivest's SHA-256 pseudo-random sampler (R. L. Rivest, "Reference implementation code for
 * pseudo-random sampler for election audits", sampler.py, 2011), the sampler risk-limiting audits
 * use to draw from a seed made in public. Written from its description:
 *
 *   for count = 1, 2, …: hash the UTF-8 text `<seed>,<count>` (count in decimal) with SHA-256,
 *   read the digest as a big-endian integer h, and pick a + (h mod (b − a + 1)).
 *
 * Drawing without replacement skips a pick already made and goes on counting, as sampler.py does.
 * Anyone can recompute a draw with any SHA-256 tool; the published test vectors
 * (github.com/cjerdonek/rivest-sampler-tests, tests.json) pass in rivest-sampler.spec.ts.
 */
export function rivestPick(seed: string, count: number, total: number): number {
  if (!Number.isSafeInteger(total) || total < 1) throw new RangeError(`cannot draw from ${total} items`);
  const hash = BigInt(`0x${sha256Hex(`${seed},${count}`)}`);
  return Number(hash % BigInt(total)) + 1;
}

/** The first `count` picks from 1..total, duplicates allowed (sampler.py's "with replacement"). */
export function rivestSampleWithReplacement(seed: string, count: number, total: number): number[] {
  return Array.from({ length: count }, (_, i) => rivestPick(seed, i + 1, total));
}

/**
 * `count` distinct picks from 1..total in the order drawn (sampler.py without replacement: a
 * repeated pick is skipped); asking for `total` or more gives every item.
 */
export function rivestSampleWithoutReplacement(seed: string, count: number, total: number): number[] {
  const wanted = Math.min(count, total);
  const picked = new Set<number>();
  const order: number[] = [];
  for (let ticket = 1; order.length < wanted; ticket++) {
    const pick = rivestPick(seed, ticket, total);
    if (picked.has(pick)) continue;
    picked.add(pick);
    order.push(pick);
  }
  return order;
}
