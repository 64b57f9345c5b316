import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { preProcessFile } from 'typescript';

/**
 * A library is used through its entries only: `@sanxian/<lib>`, or one of the documented second entries
 * below; never by a path into another library's src/ nor an alias with a path after it. So a library can
 * move its files without breaking its users, and a small process loads what it asks for, not a guess.
 */
const ROOT = join(__dirname, '..', '..');

/** Second entries (docs/architecture.md): the light ones load neither Nest nor TypeORM; testing is for specs. */
const SECOND_ENTRIES = new Set(['@sanxian/contracts/light', '@sanxian/persistence/light', '@sanxian/domain/testing']);

/** The imports by path that stay, each with its reason; any other fails. */
const BY_PATH_ALLOWED = new Map([
  // Jest's moduleNameMapper does not apply to a global setup (jestjs/jest#11644).
  ['test/support/jest-global-setup.ts: ../../libs/persistence/src/data-source-options', 'no aliases in a global setup'],
  // The console is a browser bundle (Vite, no @sanxian aliases): the domain's index would bring Node modules
  // into it, so it takes this import-free file; its shared entry comes with the console's API types.
  ['apps/console/src/components/assessment.tsx: ../../../../libs/domain/src/scoring/note-text', 'the console bundles this file only'],
  ['apps/console/src/survey/survey-draft.ts: ../../../../libs/domain/src/inspection/survey-completeness', 'the console bundles this file (and the survey types) only'],
]);

/** The library a repository path lies in (`libs/<lib>/…`), if any. */
function libraryOf(path: string): string | undefined {
  const parts = path.split(sep);
  return parts[0] === 'libs' ? parts[1] : undefined;
}

/** The imports of one source file that reach into a library other than through its entries. */
export function deepImports(file: string, text: string): string[] {
  const own = libraryOf(file);
  return preProcessFile(text, true, true).importedFiles.map((imported) => imported.fileName).filter((specifier) => {
    if (specifier.startsWith('@sanxian/')) return specifier.split('/').length > 2 && !SECOND_ENTRIES.has(specifier);
    if (!specifier.startsWith('.')) return false;
    const target = relative(ROOT, resolve(ROOT, dirname(file), specifier));
    const library = libraryOf(target);
    return library !== undefined && library !== own && target.split(sep)[2] === 'src';
  });
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) return [];
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return /\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

describe('libraries are imported through their entries', () => {
  it('nowhere in apps, libs or test by a path into another library or a path after an alias', () => {
    const found = ['apps', 'libs', 'test']
      .flatMap(sources)
      .flatMap((file) => deepImports(file, readFileSync(join(ROOT, file), 'utf8')).map((specifier) => `${file.split(sep).join('/')}: ${specifier}`))
      .filter((found) => !BY_PATH_ALLOWED.has(found));
    expect(found).toEqual([]);
  });

  it('names what it refuses, and lets entries, a library its own files and data through', () => {
    const file = join('apps', 'cli', 'src', 'push.command.ts');
    const text = [
      "import { pushFile } from '../../../libs/exchange-client/src/push-client';",
      "import { isRecordKind } from '@sanxian/contracts/src/record-kinds';",
      "const lazy = () => import('../../../libs/persistence/src');",
      "import { PushError } from '@sanxian/exchange-client';",
      "import { RECORD_KINDS } from '@sanxian/contracts/light';",
      "import { withHub } from './cli-context';",
      "import xichong from '../../../libs/domain/data/regions/511325.json';",
    ].join('\n');
    expect(deepImports(file, text)).toEqual([
      '../../../libs/exchange-client/src/push-client',
      '@sanxian/contracts/src/record-kinds',
      '../../../libs/persistence/src',
    ]);
    expect(deepImports(join('libs', 'persistence', 'src', 'repositories', 'x.ts'), "import { a } from '../log-rows';")).toEqual([]);
  });
});
