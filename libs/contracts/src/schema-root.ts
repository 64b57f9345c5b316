import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository's schemas/ folder, found from source (jest) and from dist/ alike. */
export function schemaRoot(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, 'schemas');
    if (existsSync(join(candidate, 'config'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`schemas/ not found above ${__dirname}`);
    dir = parent;
  }
}
