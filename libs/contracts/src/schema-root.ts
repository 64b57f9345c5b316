import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A path of the repository (schemas/, shipped data), found from source (jest) and from dist/ alike. */
export function findUp(relative: string, from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`${relative} not found above ${from}`);
  }
}

/** The repository's schemas/ folder. */
export function schemaRoot(): string {
  return findUp(join('schemas', 'config'), __dirname).replace(/[\\/]config$/, '');
}
