import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '../../../..');
const OWNER = 'libs/persistence/src/repositories/receipt.repository.ts';

/** Every TypeScript source of apps/ and libs/, specs and migrations aside (a migration creates the table). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'migrations' ? [] : sources(path);
    return /\.tsx?$/.test(entry.name) && !/\.(int-)?spec\.ts$/.test(entry.name) ? [path] : [];
  });
}

describe('receipts', () => {
  it('are written by the receipt repository only', () => {
    // An INSERT or a COPY into the table: anywhere else, a receipt kind could escape the typed list.
    const writes = /INSERT\s+INTO\s+exchange_receipt|COPY\s+exchange_receipt|copy\w*\([^;]*?['"`]exchange_receipt['"`]/i;
    const writers = [...sources(join(ROOT, 'apps')), ...sources(join(ROOT, 'libs'))]
      .filter((file) => writes.test(readFileSync(file, 'utf8')))
      .map((file) => relative(ROOT, file));
    expect(writers).toEqual([OWNER]);
  });
});
