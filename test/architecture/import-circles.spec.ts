import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCircular, parseDependencyTree, type DependencyTree } from 'dpdm';

/**
 * No module of apps/ or libs/ may import itself back through others: a circle makes load order
 * decide what is undefined at start-up, and it blurs which module is the leaf. Type-only imports
 * count too (they are how the last circle began). Each file's nearest tsconfig resolves the
 * `@sanxian/*` aliases, so a circle between libraries is found as well as one inside a library.
 */
const ROOT = resolve(__dirname, '..', '..');
const SOURCES = ['apps/*/src/**/*.ts', 'apps/*/src/**/*.tsx', 'libs/*/src/**/*.ts'];

function dependencyTree(cwd: string, entries: string[]): Promise<DependencyTree> {
  // transform: false keeps `import type` edges; dynamic imports count like static ones.
  return parseDependencyTree(entries, { cwd, context: cwd, transform: false, skipDynamicImports: false });
}

const circlesOf = (tree: DependencyTree): string[] => parseCircular(tree).map((circle) => circle.join(' → '));

describe('import circles', () => {
  let tree: DependencyTree;
  beforeAll(async () => {
    tree = await dependencyTree(ROOT, SOURCES);
  });

  it('finds none in apps/ or libs/', () => {
    expect(circlesOf(tree)).toEqual([]);
  });

  it('follows the @sanxian/* aliases into the libraries, so circles between libraries are seen', () => {
    const aliasImports = Object.values(tree).flatMap((dependencies) => (dependencies ?? []).filter((d) => d.request.startsWith('@sanxian/')));
    expect(aliasImports.length).toBeGreaterThan(50);
    expect(aliasImports.filter((d) => d.id === null || !d.id.startsWith('libs/')).map((d) => `${d.issuer}: ${d.request}`)).toEqual([]);
  });

  it('would see a circle closed by a type-only import', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'import-circles-'));
    try {
      writeFileSync(join(dir, 'types.ts'), "import type { Index } from './index-builder';\nexport type Rule = (index: Index) => void;\n");
      writeFileSync(join(dir, 'index-builder.ts'), "import type { Rule } from './types';\nexport interface Index { rules: Rule[] }\n");
      const circles = parseCircular(await dependencyTree(dir, ['*.ts']));
      expect(circles.map((circle) => [...circle].sort())).toEqual([['index-builder.ts', 'types.ts']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
