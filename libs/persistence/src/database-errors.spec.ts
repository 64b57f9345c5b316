import { isDatabaseUnavailable } from './database-errors';

describe('isDatabaseUnavailable: failures worth a 503 and a retry', () => {
  it.each([
    ['statement_timeout', { code: '57014', message: 'canceling statement due to statement timeout' }],
    ['lock_timeout', { code: '55P03', message: 'canceling statement due to lock timeout' }],
    ['idle in transaction timeout', { code: '25P03', message: 'terminating connection due to idle-in-transaction timeout' }],
    ['the driver giving up on a frozen server', new Error('Query read timeout')],
    ['no free connection in time', new Error('timeout exceeded when trying to connect')],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
  ])('%s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', { code: '23505', message: 'duplicate key value violates unique constraint' }],
    ['text the store cannot hold', { code: '22P05', message: 'unsupported Unicode escape sequence' }],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
  ])('not %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
