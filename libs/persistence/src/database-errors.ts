/** The hub has not (yet) reached its database: the api answers 503 meanwhile. */
export class DatabaseUnavailableError extends Error {}

/** True when an error means "the database cannot be reached or cannot accept work now" (answer 503, retry later). */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  if (!e) return false;
  if (error instanceof DatabaseUnavailableError) return true;
  const code = e.code ?? '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH'].includes(code)) return true;
  // SQLSTATE classes: 08 connection exception, 53 insufficient resources, 57P admin shutdown / cannot connect now.
  if (/^(08|53|57P)/.test(code)) return true;
  return /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|Client has encountered a connection error/i.test(e.message ?? '');
}
