/** The hub has not (yet) reached its database: the api answers 503 meanwhile. */
export class DatabaseUnavailableError extends Error {}

/** True when an error means "the database cannot be reached or cannot accept work now" (answer 503, retry later). */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  if (!e) return false;
  if (error instanceof DatabaseUnavailableError) return true;
  const code = e.code ?? '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH'].includes(code)) return true;
  // SQLSTATE classes: 08 connection exception, 53 insufficient resources, 57P admin shutdown / cannot connect now;
  // 57014 statement_timeout (query canceled), 55P03 lock_timeout, 25P03 idle-in-transaction timeout.
  if (/^(08|53|57P|57014$|55P03$|25P03$)/.test(code)) return true;
  // The driver's own: no free connection in time, no answer to a query in time (query_timeout), a broken connection.
  return /timeout exceeded when trying to connect|Query read timeout|Connection terminated|connect ECONNREFUSED|Client has encountered a connection error|Client was closed and is not queryable/i.test(e.message ?? '');
}
