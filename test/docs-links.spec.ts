import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The documentation a user of the repository reads must lead somewhere they have: every relative
 * Markdown link and every `docs/….md` a text cites must name a file of the repository (and a
 * heading of it, for a `#fragment`), and nothing may point outside it (the team's own notes
 * live outside the repository and are not shipped).
 */
const ROOT = resolve(__dirname, '..');
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git', 'demo-output', 'coverage']);

function walk(dir: string, keep: (file: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return SKIPPED_DIRS.has(name) ? [] : walk(path, keep);
    return keep(path) ? [path] : [];
  });
}

/** README.md, docs/*.md and every README of apps/, libs/, schemas/ and test/. */
function markdownFiles(): string[] {
  const docs = existsSync(join(ROOT, 'docs')) ? walk(join(ROOT, 'docs'), (f) => f.endsWith('.md')) : [];
  const readmes = ['apps', 'libs', 'schemas', 'test'].flatMap((dir) => walk(join(ROOT, dir), (f) => f.endsWith(`${sep}README.md`)));
  return [join(ROOT, 'README.md'), ...docs, ...readmes];
}

/** Source files that cite docs: the OpenAPI description's and every code comment's. */
function sourceFiles(): string[] {
  return ['apps', 'libs', 'test', 'schemas', 'bin'].flatMap((dir) =>
    walk(join(ROOT, dir), (f) => /\.(ts|tsx|mts|js|json)$/.test(f) && !f.endsWith('docs-links.spec.ts')),
  );
}

const FENCE = /^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm;
const INLINE_CODE = /`[^`\n]*`/g;
const MARKDOWN_LINK = /\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const CITED_DOC = /(?<![\w/.-])(?:\.\.?\/)*docs\/[\w.-]+\.md\b/g;
const OUTSIDE = /(?:\.\.\/)+shared\b|\/work\/shared\b/g;

/** The relative link targets of a Markdown text: outside code, without external URLs. */
export function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(FENCE, '').replace(INLINE_CODE, '');
  return [...prose.matchAll(MARKDOWN_LINK)].map((m) => m[1]).filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** `docs/….md` paths a text cites anywhere (prose, code spans, string literals, comments). */
export function citedDocs(text: string): string[] {
  return [...text.matchAll(CITED_DOC)].map((m) => m[0]);
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const prose = markdown.replace(FENCE, '');
  return new Set([...prose.matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)].map((m) => headingAnchor(m[1])));
}

function insideRepository(path: string): boolean {
  const rel = relative(ROOT, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep));
}

/** What is wrong with one link of `from`, or undefined when it leads to a file (and heading) of the repository. */
function brokenLink(from: string, target: string): string | undefined {
  const [pathPart, fragment] = target.split('#', 2);
  const decoded = decodeURIComponent(pathPart);
  const file = decoded === '' ? from : resolve(dirname(from), decoded);
  if (!insideRepository(file)) return `${target}: points outside the repository`;
  if (!existsSync(file)) return `${target}: no such file`;
  if (fragment !== undefined && fragment !== '' && file.endsWith('.md') && !anchorsOf(readFileSync(file, 'utf8')).has(fragment)) {
    return `${target}: no heading #${fragment} in ${relative(ROOT, file)}`;
  }
  return undefined;
}

/** A cited `docs/x.md` is read from the repository root unless it is written relative (`../docs/x.md`). */
function brokenCitation(from: string, cited: string): string | undefined {
  const file = cited.startsWith('.') ? resolve(dirname(from), cited) : resolve(ROOT, cited);
  if (!insideRepository(file)) return `${cited}: points outside the repository`;
  return existsSync(file) ? undefined : `${cited}: no such file`;
}

function problemsOf(file: string, markdown: boolean): string[] {
  const text = readFileSync(file, 'utf8');
  const problems = [
    ...(markdown ? relativeLinks(text).map((target) => brokenLink(file, target)) : []),
    ...citedDocs(text).map((cited) => brokenCitation(file, cited)),
    ...[...text.matchAll(OUTSIDE)].map((m) => `${m[0]}: points outside the repository`),
  ];
  return problems.filter((p): p is string => p !== undefined).map((p) => `${relative(ROOT, file)}: ${p}`);
}

describe('documentation links', () => {
  it('finds the files it checks', () => {
    const files = markdownFiles().map((f) => relative(ROOT, f));
    expect(files).toEqual(expect.arrayContaining([
      'README.md', join('docs', 'exchange-contract.md'), join('docs', 'reconciliation.md'), join('docs', 'domain.md'),
      join('docs', 'architecture.md'), join('libs', 'synth', 'README.md'),
    ]));
  });

  it('README.md, docs/ and the READMEs of libs/ link only to files and headings of the repository', () => {
    expect(markdownFiles().flatMap((file) => problemsOf(file, true))).toEqual([]);
  });

  it('the OpenAPI description and code comments cite only docs that exist', () => {
    const openApi = join(ROOT, 'apps', 'api', 'src', 'api.factory.ts');
    expect(citedDocs(readFileSync(openApi, 'utf8'))).toContain('docs/exchange-contract.md');
    expect(sourceFiles().flatMap((file) => problemsOf(file, false))).toEqual([]);
  });

  describe('the checks themselves', () => {
    const readme = join(ROOT, 'README.md');

    it('find links outside code, and leave URLs alone', () => {
      const text = '[a](docs/a.md) `[b](b.md)` [c](https://example.org/c.md) ![d](img/d.png "d")\n```\n[e](e.md)\n```\n';
      expect(relativeLinks(text)).toEqual(['docs/a.md', 'img/d.png']);
    });

    it('report a missing file, a missing heading, and a path out of the repository', () => {
      expect(brokenLink(readme, 'docs/no-such-page.md')).toContain('no such file');
      expect(brokenLink(readme, 'docs/exchange-contract.md#no-such-heading')).toContain('no heading');
      expect(brokenLink(readme, '../shared/docs/architecture.md')).toContain('outside the repository');
      expect(brokenLink(readme, 'docs/exchange-contract.md#timeliness')).toBeUndefined();
      expect(brokenCitation(readme, 'docs/no-such-page.md')).toContain('no such file');
      expect(citedDocs("see docs/a.md and '../docs/b.md', not /v1/docs/openapi.json")).toEqual(['docs/a.md', '../docs/b.md']);
    });

    it('make GitHub anchors of headings', () => {
      expect(headingAnchor('Where coming features go')).toBe('where-coming-features-go');
      expect(headingAnchor('Idempotency by `recordId`')).toBe('idempotency-by-recordid');
      expect(headingAnchor('The domain: 三线齐进 target management and 四并 scoring')).toBe('the-domain-三线齐进-target-management-and-四并-scoring');
    });
  });
});
