import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { RegionDirectory, type RegionFile } from '@sanxian/domain';
import { findUp, schemaRoot } from './schema-root';

const REGIONS_DIR = join('libs', 'domain', 'data', 'regions');
// Enough to fix a file; the rest usually follow from the first.
const PROBLEMS_SHOWN = 5;

let validator: ValidateFunction<RegionFile> | undefined;

/**
 * Reads and checks region files (`schemas/regions/region-file.schema.json`). Without paths,
 * every `*.json` of libs/domain/data/regions, the two counties shipped with the hub. Throws
 * on the first bad file, naming it and the JSON Pointers of its problems.
 */
export function readRegionFiles(paths?: readonly string[]): RegionFile[] {
  const validate = regionFileValidator();
  return (paths ?? defaultRegionFiles()).map((path) => {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`region file ${path}: ${(error as Error).message}`, { cause: error });
    }
    if (!validate(data)) {
      const problems = (validate.errors ?? []).slice(0, PROBLEMS_SHOWN).map(problemText);
      throw new Error(`region file ${path} does not match region-file.schema.json: ${problems.join('; ')}`);
    }
    return data;
  });
}

/** The hierarchy of the given region files, or of the shipped ones. */
export function loadRegionDirectory(paths?: readonly string[]): RegionDirectory {
  return RegionDirectory.fromFiles(readRegionFiles(paths));
}

/** `/townships/3/villages/0/code: must match pattern …`, pointing at the field itself when one is missing or unknown. */
function problemText(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') return `${error.instancePath}/${pointerToken(params.missingProperty)}: is missing`;
  if (error.keyword === 'additionalProperties') {
    return `${error.instancePath}/${pointerToken(params.additionalProperty)}: is not a field of region files`;
  }
  return `${error.instancePath || '(root)'}: ${error.message ?? 'is invalid'}`;
}

function pointerToken(name: unknown): string {
  return String(name).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The shipped region files, found from source (jest) and from dist/ alike. */
function defaultRegionFiles(): string[] {
  const dir = findUp(REGIONS_DIR);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => join(dir, file));
}

function regionFileValidator(): ValidateFunction<RegionFile> {
  if (validator === undefined) {
    const schema = JSON.parse(readFileSync(join(schemaRoot(), 'regions', 'region-file.schema.json'), 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    validator = ajv.compile<RegionFile>(schema);
  }
  return validator;
}

/** A county's 2020 census population from the shipped demographics.csv, if the county is in it. */
export function censusPopulation(countyCode: string): number | undefined {
  const lines = readFileSync(join(findUp(REGIONS_DIR), 'demographics.csv'), 'utf8').split('\n');
  const header = lines[0].split(',');
  const [code, population] = [header.indexOf('code'), header.indexOf('population')];
  // Plain commas in these columns: the first fields never hold quoted text.
  const row = lines.find((line) => line.split(',')[code] === countyCode);
  const value = row === undefined ? NaN : Number(row.split(',')[population]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}
