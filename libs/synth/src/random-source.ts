/**
 * A small, fast, seedable PRNG (sfc32, seeded through cyrb128), so that a seed gives the same
 * county on every machine and Node version. Never Math.random.
 *
 * Streams are derived by name (`RandomSource.derive(seed, 'world', householdNo)`): each household
 * draws its people and events from its own stream and its record faults from another, so that
 * changing a fault rate changes the faults and nothing else.
 */
export class RandomSource {
  private constructor(
    private a: number,
    private b: number,
    private c: number,
    private d: number,
  ) {
    // Discard the first outputs: sfc32 mixes slowly from closely related seeds.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  static derive(...parts: readonly (string | number)[]): RandomSource {
    const [a, b, c, d] = cyrb128(parts.join('\u001f'));
    return new RandomSource(a, b, c, d);
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Normal deviate (Box–Muller; one of the pair is dropped, for simplicity). */
  normal(mean: number, sd: number): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A fresh independent stream, for a sub-task whose number of draws varies. */
  fork(label: string | number): RandomSource {
    return RandomSource.derive(this.nextUint32(), this.nextUint32(), label);
  }
}

/** Sampling from fixed weights in O(log n): build once, draw many times. */
export class WeightedTable<T> {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(
    readonly items: readonly T[],
    weights: readonly number[],
  ) {
    if (items.length === 0 || items.length !== weights.length) throw new RangeError('WeightedTable needs as many weights as items, at least one');
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    for (let i = 0; i < weights.length; i++) {
      if (!(weights[i] >= 0)) throw new RangeError(`weight ${i} is negative or not a number`);
      sum += weights[i];
      this.cumulative[i] = sum;
    }
    if (sum <= 0) throw new RangeError('WeightedTable needs a positive total weight');
    this.total = sum;
  }

  draw(rng: RandomSource): T {
    const x = rng.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo];
  }
}

/** cyrb128 (public domain): a 128-bit string hash, used only to seed the generator. */
function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}
