/**
 * A citizen id as lists show it: the region (first 6) and the last 4 characters, the birth date
 * and sequence hidden, so a list identifies a record to staff without disclosing the person's id.
 * Anything too short to keep both ends (a typing error, a fragment) is hidden entirely.
 */
export function maskCitizenId(id: string | null | undefined): string | null {
  if (id === null || id === undefined || id === '') return null;
  const chars = [...id];
  if (chars.length < 12) return '*'.repeat(chars.length);
  return chars.slice(0, 6).join('') + '*'.repeat(chars.length - 10) + chars.slice(-4).join('');
}
