import { RegionDirectory, type RegionFile } from './region-directory';

const XICHONG = require('../data/regions/511325.json') as RegionFile;

/** A small county file; overrides replace whole parts. */
function regionFile(overrides: Partial<RegionFile> = {}): RegionFile {
  return {
    county: { code: '511325', name: '西充县' },
    townships: [
      {
        code: '511325001',
        name: '南台街道',
        villages: [
          { code: '511325001002', name: '南街社区居民委员会', urbanRural: null },
          { code: '511325001001', name: '鹤鸣路社区居民委员会', urbanRural: '111' },
        ],
      },
      {
        code: '511325203',
        name: '祥龙乡',
        villages: [{ code: '511325203201', name: '某村民委员会' }],
      },
    ],
    ...overrides,
  };
}

const WUSHENG: RegionFile = {
  county: { code: '511622', name: '武胜县' },
  townships: [
    { code: '511622100', name: '沿口镇', villages: [{ code: '511622100001', name: '解放路社区居委会' }] },
  ],
};

describe('RegionDirectory on small files', () => {
  const directory = RegionDirectory.fromFiles([regionFile(), WUSHENG]);

  it('lists counties, townships and villages sorted by code', () => {
    expect(directory.counties().map((r) => r.code)).toEqual(['511325', '511622']);
    expect(directory.townships().map((r) => r.code)).toEqual(['511325001', '511325203', '511622100']);
    expect(directory.townships('511325').map((r) => r.code)).toEqual(['511325001', '511325203']);
    expect(directory.villages('511325001').map((r) => r.code)).toEqual(['511325001001', '511325001002']);
    expect(directory.villages()).toHaveLength(4);
  });

  it('gives nothing below a code it does not know or of another level', () => {
    expect(directory.townships('511326')).toEqual([]);
    expect(directory.townships('511325001')).toEqual([]);
    expect(directory.villages('511325002')).toEqual([]);
    expect(directory.villages('511325')).toEqual([]);
  });

  it('describes a region', () => {
    expect(directory.get('511325001001')).toEqual({
      code: '511325001001',
      name: '鹤鸣路社区居民委员会',
      level: 'village',
      parent: '511325001',
      urbanRural: '111',
    });
    expect(directory.get('511325001002')).toEqual({
      code: '511325001002',
      name: '南街社区居民委员会',
      level: 'village',
      parent: '511325001',
    });
    expect(directory.get('511325')).toEqual({ code: '511325', name: '西充县', level: 'county' });
  });

  it('names regions, alone and with their ancestors', () => {
    expect(directory.nameOf('511325001')).toBe('南台街道');
    expect(directory.fullName('511325001001')).toBe('西充县 南台街道 鹤鸣路社区居民委员会');
    expect(directory.fullName('511325001')).toBe('西充县 南台街道');
    expect(directory.fullName('511325')).toBe('西充县');
  });

  it('finds the township of a known village or township only', () => {
    expect(directory.townshipOf('511325001001')).toBe('511325001');
    expect(directory.townshipOf('511325001')).toBe('511325001');
    expect(directory.townshipOf('511325')).toBeUndefined();
    // Well-formed, but not in the files.
    expect(directory.townshipOf('511325001099')).toBeUndefined();
    expect(directory.townshipOf('511325099')).toBeUndefined();
  });

  it('knows which codes belong to which county', () => {
    expect(directory.belongsTo('511325001001', '511325')).toBe(true);
    expect(directory.belongsTo('511325203', '511325')).toBe(true);
    expect(directory.belongsTo('511325', '511325')).toBe(true);
    expect(directory.belongsTo('511622100001', '511325')).toBe(false);
    expect(directory.belongsTo('511325001099', '511325')).toBe(false);
    expect(directory.belongsTo('511325001001', '5113')).toBe(false);
    expect(directory.belongsTo('511325001001', '511325001')).toBe(false);
  });

  it('returns undefined for unknown and malformed codes', () => {
    for (const code of ['511325001099', '510000', '', 'abc', '５１１３２５']) {
      expect(directory.isKnown(code)).toBe(false);
      expect(directory.get(code)).toBeUndefined();
      expect(directory.nameOf(code)).toBeUndefined();
      expect(directory.fullName(code)).toBeUndefined();
      expect(directory.townshipOf(code)).toBeUndefined();
    }
  });

  it('hands out copies, so callers cannot change it', () => {
    directory.counties().pop();
    directory.villages('511325001').pop();
    expect(directory.counties()).toHaveLength(2);
    expect(directory.villages('511325001')).toHaveLength(2);
    expect(Object.isFrozen(directory.get('511325'))).toBe(true);
  });
});

describe('RegionDirectory.fromFiles rejects', () => {
  it('a county given twice', () => {
    expect(() => RegionDirectory.fromFiles([regionFile(), regionFile()])).toThrow(/duplicate region code 511325/);
  });

  it('a village given twice', () => {
    const file = regionFile();
    file.townships[1].villages.push({ code: '511325203201', name: '又一村' });
    expect(() => RegionDirectory.fromFiles([file])).toThrow(/duplicate region code 511325203201/);
  });

  it('a village not under its township', () => {
    const file = regionFile();
    file.townships[1].villages.push({ code: '511325001201', name: '错村' });
    expect(() => RegionDirectory.fromFiles([file])).toThrow(/village 511325001201 .* not under its township 511325203/);
  });

  it('a township not under its county', () => {
    const file = regionFile({ townships: [{ code: '511326001', name: '别县镇', villages: [] }] });
    expect(() => RegionDirectory.fromFiles([file])).toThrow(/township 511326001 .* not under its county 511325/);
  });

  it('codes of the wrong form for their level', () => {
    expect(() => RegionDirectory.fromFiles([regionFile({ county: { code: '5113', name: '?' } })])).toThrow(
      /5113 .* not a well-formed county code/,
    );
    const file = regionFile();
    file.townships[0].villages.push({ code: '5113250010011', name: '十三位' });
    expect(() => RegionDirectory.fromFiles([file])).toThrow(/not a well-formed village code/);
  });
});

describe('RegionDirectory on the shipped 西充县 file', () => {
  const directory = RegionDirectory.fromFiles([XICHONG]);

  it('has every township and village', () => {
    expect(directory.counties()).toEqual([{ code: '511325', name: '西充县', level: 'county' }]);
    expect(directory.townships('511325')).toHaveLength(23);
    expect(directory.villages()).toHaveLength(295);
    const perTownship = directory.townships().reduce((sum, t) => sum + directory.villages(t.code).length, 0);
    expect(perTownship).toBe(295);
  });

  it('puts village 511325001001 in township 511325001 南台街道', () => {
    expect(directory.townshipOf('511325001001')).toBe('511325001');
    expect(directory.nameOf('511325001')).toBe('南台街道');
    expect(directory.fullName('511325001001')).toBe('西充县 南台街道 鹤鸣路社区居民委员会');
    expect(directory.belongsTo('511325001001', '511325')).toBe(true);
  });

  it('does not know codes it does not list, nor other counties', () => {
    expect(directory.isKnown('511325001999')).toBe(false);
    expect(directory.townshipOf('511325001999')).toBeUndefined();
    expect(directory.isKnown('511622100001')).toBe(false);
    expect(directory.belongsTo('511622100001', '511622')).toBe(false);
    expect(directory.townships('511622')).toEqual([]);
  });
});
