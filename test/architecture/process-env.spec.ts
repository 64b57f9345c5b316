import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * The environment is read in one place: the configuration module validates it once at start-up
 * and everything else is given a HubConfig. apps/ and libs/ may read process.env only where the
 * configuration module is, and where the push command reads the secret named by `--secret-env`
 * (a secret is not configuration, and never goes through the schema). The launcher (bin/) and
 * test/ are outside apps/ and libs/.
 */
const ROOT = resolve(__dirname, '..', '..');
const ALLOWED: Record<string, string> = {
  'libs/contracts/src/config.ts': 'the configuration module: loadConfig, environmentWith',
  'apps/cli/src/push.command.ts': 'the secret named by --secret-env',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : sourceFiles(path);
    return /\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(name) ? [path] : [];
  });
}

const isProcess = (node: ts.Node): boolean => ts.isIdentifier(node) && node.text === 'process';
const isEnvName = (node: ts.Node): boolean =>
  (ts.isIdentifier(node) || ts.isStringLiteral(node)) && node.text === 'env';

/** Each place the source reads the environment: `process.env`, `process['env']`, `{ env } = process`, `import { env } from 'node:process'`. */
function environmentReads(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, fileName.endsWith('x') ? ts.ScriptKind.TSX : undefined);
  const reads: string[] = [];
  const at = (node: ts.Node) => `${fileName}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}: ${node.getText(source)}`;
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && isProcess(node.expression) && node.name.text === 'env') reads.push(at(node));
    if (ts.isElementAccessExpression(node) && isProcess(node.expression) && isEnvName(node.argumentExpression)) reads.push(at(node));
    if (ts.isVariableDeclaration(node) && node.initializer && isProcess(node.initializer) && ts.isObjectBindingPattern(node.name)) {
      for (const element of node.name.elements) if (isEnvName(element.propertyName ?? element.name)) reads.push(at(node));
    }
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && /^(node:)?process$/.test(node.moduleSpecifier.text)) {
      const bindings = node.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings) && bindings.elements.some((e) => (e.propertyName ?? e.name).text === 'env')) reads.push(at(node));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return reads;
}

describe('reading the environment', () => {
  const reads = ['apps', 'libs'].flatMap((dir) => sourceFiles(join(ROOT, dir))).flatMap((file) =>
    environmentReads(relative(ROOT, file).split(sep).join('/'), readFileSync(file, 'utf8')),
  );

  it('happens in apps/ and libs/ only in the configuration module and for the push command\'s --secret-env', () => {
    expect(reads.filter((read) => !Object.keys(ALLOWED).some((file) => read.startsWith(`${file}:`)))).toEqual([]);
  });

  it('is found where it is allowed (the check sees what it looks for)', () => {
    for (const file of Object.keys(ALLOWED)) expect(reads.some((read) => read.startsWith(`${file}:`))).toBe(true);
  });

  it('is found in every form, and not in comments or strings', () => {
    const text = [
      "import { env as environment } from 'node:process';",
      '// process.env in a comment',
      "const note = 'process.env in a string';",
      'const a = process.env.PORT;',
      "const b = process['env'];",
      'const { env } = process;',
      'const { env: renamed } = process;',
    ].join('\n');
    expect(environmentReads('sample.ts', text).map((read) => read.split(':')[1])).toEqual(['1', '4', '5', '6', '7']);
  });
});
