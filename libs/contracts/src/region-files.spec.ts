import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RegionFile } from '@sanxian/domain';
import { loadRegionDirectory, readRegionFiles } from './region-files';

const SHIPPED = path.resolve(__dirname, '../../domain/data/regions');

function regionFile(overrides: Partial<RegionFile> = {}): RegionFile {
  return {
    county: { code: '511325', name: '西充县' },
    townships: [
      {
        code: '511325001',
        name: '南台街道',
        villages: [{ code: '511325001001', name: '鹤鸣路社区居民委员会', urbanRural: null }],
      },
    ],
    ...overrides,
  };
}

describe('region files', () => {
  let tmp: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'region-files-'));
  });

  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  function write(name: string, content: unknown): string {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  }

  it('loads both shipped counties by default', () => {
    const files = readRegionFiles();
    expect(files.map((f) => f.county)).toEqual([
      { code: '511325', name: '西充县' },
      { code: '511622', name: '武胜县' },
    ]);

    const directory = loadRegionDirectory();
    expect(directory.counties().map((c) => c.name)).toEqual(['西充县', '武胜县']);
    expect(directory.townships('511325')).toHaveLength(23);
    expect(directory.villages().filter((v) => v.code.startsWith('511325'))).toHaveLength(295);
    expect(directory.townships('511622')).toHaveLength(23);
    expect(directory.villages().filter((v) => v.code.startsWith('511622'))).toHaveLength(324);
    expect(directory.fullName('511622100001')).toBe('武胜县 沿口镇 解放路社区居委会');
  });

  it('loads the files it is given', () => {
    const directory = loadRegionDirectory([path.join(SHIPPED, '511622.json'), write('mine.json', regionFile())]);
    expect(directory.counties().map((c) => c.code)).toEqual(['511325', '511622']);
    expect(directory.villages('511325001')).toHaveLength(1);
  });

  it.each([
    ['a village code of 11 digits', replaceVillage({ code: '51132500100' }), '/townships/0/villages/0/code'],
    ['a missing county name', { ...regionFile(), county: { code: '511325' } }, '/county/name'],
    ['an empty township name', replaceTownship({ name: '' }), '/townships/0/name'],
    ['an unknown field', { ...regionFile(), province: '四川省' }, '/province'],
    ['a numeric urban-rural code', replaceVillage({ urbanRural: 111 }), '/townships/0/villages/0/urbanRural'],
    ['no townships', regionFile({ townships: [] }), '/townships'],
    ['an array instead of a county file', [regionFile()], '(root)'],
  ])('rejects %s, naming the file and the pointer', (_what, content, pointer) => {
    const file = write('bad.json', content);
    expect(() => readRegionFiles([file])).toThrow(file);
    expect(() => readRegionFiles([file])).toThrow(`${pointer}: `);
  });

  it('rejects a file that is not JSON, naming it', () => {
    const file = write('broken.json', '{"county": ');
    expect(() => readRegionFiles([file])).toThrow(`region file ${file}: `);
  });

  it('leaves the parent prefixes and duplicate codes to the directory', () => {
    const file = write('511325.json', regionFile());
    const copy = write('copy.json', regionFile());
    expect(readRegionFiles([file, copy])).toHaveLength(2);
    expect(() => loadRegionDirectory([file, copy])).toThrow(/duplicate region code 511325/);
  });
});

function replaceTownship(township: Record<string, unknown>): unknown {
  const file = regionFile();
  return { ...file, townships: [{ ...file.townships[0], ...township }] };
}

function replaceVillage(village: Record<string, unknown>): unknown {
  const file = regionFile();
  const township = file.townships[0];
  return { ...file, townships: [{ ...township, villages: [{ ...township.villages[0], ...village }] }] };
}
