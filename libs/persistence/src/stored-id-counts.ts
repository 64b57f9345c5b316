/** Bytes of a keyed id hash kept: 8 base64url characters, 48 bits (a number exactly). */
const PREFIX_BYTES = 6;

/**
 * How many stored rows hold a keyed id hash (`PersonalDataCipher.lookup`), counted by the hash's
 * first 48 bits: two hashes sharing them count together, so a count may be too high (a look-up
 * made in vain), never too low.
 */
export class StoredIdCounts {
  private constructor(private readonly prefixes: Float64Array) {}

  /** From the rows' prefixes, 6 bytes each, in any order. */
  static fromPrefixes(bytes: Buffer): StoredIdCounts {
    const prefixes = new Float64Array(Math.floor(bytes.length / PREFIX_BYTES));
    for (let i = 0; i < prefixes.length; i += 1) prefixes[i] = bytes.readUIntBE(i * PREFIX_BYTES, PREFIX_BYTES);
    return new StoredIdCounts(prefixes.sort());
  }

  get rows(): number {
    return this.prefixes.length;
  }

  /** Rows holding this hash (or another with its first 48 bits). */
  count(hash: string): number {
    const prefix = Buffer.from(hash.slice(0, 8), 'base64url').readUIntBE(0, PREFIX_BYTES);
    return this.firstAbove(prefix) - this.firstAbove(prefix - 1);
  }

  /** The index of the first prefix greater than `value`. */
  private firstAbove(value: number): number {
    let low = 0;
    let high = this.prefixes.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.prefixes[middle] <= value) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
