import fc from 'fast-check';
import {
  BatchBodyError,
  compileCsvHeader,
  flattenRecord,
  formatForContentType,
  parseBatchBody,
  requireBatchFormat,
  toCsv,
  toCsvRow,
  type BatchFormat,
  type ParsedEntry,
} from './batch-body';

function bodyError(run: () => unknown): BatchBodyError {
  try {
    run();
  } catch (error) {
    if (error instanceof BatchBodyError) return error;
    throw error;
  }
  throw new Error('expected a BatchBodyError');
}

const parse = (format: BatchFormat, text: string | Buffer) => parseBatchBody(format, Buffer.isBuffer(text) ? text : Buffer.from(text));
const records = (entries: ParsedEntry[]) => entries.map((entry) => ('record' in entry ? entry.record : entry));
const INVALID_UTF8 = Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]);

describe('formatForContentType', () => {
  it.each([
    ['application/json', 'json'],
    ['application/json; charset=utf-8', 'json'],
    ['Application/JSON', 'json'],
    ['application/x-ndjson', 'ndjson'],
    ['application/ndjson', 'ndjson'],
    ['text/csv', 'csv'],
    [' text/csv ; charset=UTF-8; header=present', 'csv'],
    ['text/plain', undefined],
    ['application/xml', undefined],
    ['multipart/form-data; boundary=x', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j is %j', (contentType, format) => {
    expect(formatForContentType(contentType)).toBe(format);
  });
});

describe('requireBatchFormat', () => {
  it('returns the format for a supported type in UTF-8', () => {
    expect(requireBatchFormat('text/csv; charset=UTF-8')).toBe('csv');
    expect(requireBatchFormat('application/json;charset="utf8"')).toBe('json');
  });

  it.each([undefined, 'text/plain', 'application/xml'])('answers 415 for %j', (contentType) => {
    const error = bodyError(() => requireBatchFormat(contentType));
    expect(error).toMatchObject({ status: 415, code: 'unsupported-media-type' });
    expect(error.message).toContain('text/csv');
  });

  it('answers 415 for a charset other than UTF-8', () => {
    expect(bodyError(() => requireBatchFormat('text/csv; charset=GBK'))).toMatchObject({ status: 415, code: 'unsupported-charset' });
  });
});

describe('JSON bodies', () => {
  it('reads {"records": [...]} with indexes', () => {
    const entries = parse('json', JSON.stringify({ records: [{ recordId: 'A1' }, { recordId: 'A2' }, 7] }));
    expect(entries).toEqual([
      { index: 0, record: { recordId: 'A1' } },
      { index: 1, record: { recordId: 'A2' } },
      { index: 2, record: 7 },
    ]);
  });

  it('accepts a UTF-8 BOM and Chinese text', () => {
    expect(records(parse('json', '\uFEFF{"records":[{"name":"王秀英"}]}'))).toEqual([{ name: '王秀英' }]);
  });

  it('takes exactly 1,000 records and answers 413 for 1,001', () => {
    const body = (n: number) => JSON.stringify({ records: Array.from({ length: n }, (_, i) => ({ recordId: `R${i}` })) });
    expect(parse('json', body(1000))).toHaveLength(1000);
    expect(bodyError(() => parse('json', body(1001)))).toMatchObject({ status: 413, code: 'too-many-records' });
  });

  it('answers 400 empty-batch for no records', () => {
    expect(bodyError(() => parse('json', '{"records":[]}'))).toMatchObject({ status: 400, code: 'empty-batch' });
  });

  it.each([
    ['an array', '[{"recordId":"A1"}]'],
    ['a string', '"records"'],
    ['null', 'null'],
    ['no records', '{"record":[{}]}'],
    ['records as an object', '{"records":{"0":{}}}'],
  ])('answers 400 invalid-body naming "records" for %s', (_case, text) => {
    const error = bodyError(() => parse('json', text));
    expect(error).toMatchObject({ status: 400, code: 'invalid-body' });
    expect(error.message).toContain('"records"');
  });

  it.each([
    ['truncated JSON', '{"records":[{"recordId":"A1"}'],
    ['an empty body', ''],
    ['NDJSON sent as JSON', '{"recordId":"A1"}\n{"recordId":"A2"}'],
  ])('answers 400 invalid-json for %s', (_case, text) => {
    expect(bodyError(() => parse('json', text))).toMatchObject({ status: 400, code: 'invalid-json' });
  });

  it('answers 400 invalid-json for a body that is not UTF-8', () => {
    const error = bodyError(() => parse('json', INVALID_UTF8));
    expect(error).toMatchObject({ status: 400, code: 'invalid-json' });
    expect(error.message).toContain('UTF-8');
  });
});

describe('NDJSON bodies', () => {
  it('reads one record a line, skipping blank lines and CRLF', () => {
    const entries = parse('ndjson', '\uFEFF{"recordId":"A1"}\r\n\r\n  \n\t{ "recordId":"A2","name":"李娜"} \n');
    expect(entries).toEqual([
      { index: 0, record: { recordId: 'A1' }, text: Buffer.from('{"recordId":"A1"}') },
      { index: 1, record: { recordId: 'A2', name: '李娜' }, text: Buffer.from('{ "recordId":"A2","name":"李娜"}') },
    ]);
  });

  it('rejects a line that is not JSON on its own, naming its line and recordId', () => {
    const entries = parse('ndjson', '{"recordId":"A1"}\n{"recordId":"A2", oops}\n{"recordId":"A3"}\nnot json at all');
    expect(entries).toHaveLength(4);
    expect(entries[0]).toMatchObject({ index: 0, record: { recordId: 'A1' } });
    expect(entries[1]).toMatchObject({ index: 1, recordId: 'A2', error: { path: '', code: 'invalid-json' } });
    expect((entries[1] as { error: { message: string } }).error.message).toContain('line 2');
    expect(entries[2]).toMatchObject({ index: 2, record: { recordId: 'A3' } });
    expect(entries[3]).toMatchObject({ index: 3, error: { code: 'invalid-json' } });
    expect(entries[3]).not.toHaveProperty('recordId');
  });

  it('takes 100,000 lines and answers 413 for 100,001', () => {
    const lines = (n: number) => '{}\n'.repeat(n);
    expect(parse('ndjson', lines(100_000))).toHaveLength(100_000);
    expect(bodyError(() => parse('ndjson', lines(100_001)))).toMatchObject({ status: 413, code: 'too-many-records' });
  });

  it('answers 400 empty-batch for a body of blank lines', () => {
    expect(bodyError(() => parse('ndjson', '\n \r\n'))).toMatchObject({ status: 400, code: 'empty-batch' });
  });

  it('answers 400 invalid-json for a body that is not UTF-8', () => {
    expect(bodyError(() => parse('ndjson', INVALID_UTF8))).toMatchObject({ status: 400, code: 'invalid-json' });
  });
});

describe('CSV bodies', () => {
  it('unflattens dotted columns, keeps values as strings and leaves empty cells absent', () => {
    const csv = [
      'recordId,eventDate,birthOrder,mother.citizenId,mother.name,father.name,facility.code,facility.name',
      'B1,2026-11-01,2,11010519491231002X,王秀英,,H01,"县人民医院, 产科"',
    ].join('\n');
    expect(records(parse('csv', csv))).toEqual([
      {
        recordId: 'B1',
        eventDate: '2026-11-01',
        birthOrder: '2',
        mother: { citizenId: '11010519491231002X', name: '王秀英' },
        facility: { code: 'H01', name: '县人民医院, 产科' },
      },
    ]);
  });

  it('turns numeric segments into lists, compacting unused slots', () => {
    const csv = [
      'recordId,children.0.sex,children.0.birthOrder,children.1.sex,children.1.birthOrder,children.2.sex,children.2.birthOrder',
      'C1,F,1,M,2,,',
      'C2,,,M,1,,',
      'C3,,,,,,',
    ].join('\r\n');
    expect(records(parse('csv', csv))).toEqual([
      { recordId: 'C1', children: [{ sex: 'F', birthOrder: '1' }, { sex: 'M', birthOrder: '2' }] },
      { recordId: 'C2', children: [{ sex: 'M', birthOrder: '1' }] },
      { recordId: 'C3' },
    ]);
  });

  it('reads lists of scalars and nested lists', () => {
    const csv = 'id,tags.0,tags.1,a.0.b.0.c\nX,甲,乙,deep\n';
    expect(records(parse('csv', csv))).toEqual([{ id: 'X', tags: ['甲', '乙'], a: [{ b: [{ c: 'deep' }] }] }]);
  });

  it('strips a BOM and handles quoted commas, quotes, line breaks, mixed line endings and Chinese text', () => {
    const csv = '\uFEFFrecordId,person.name,note\r\nA1,"张三, 李四","他说""好"""\nA2,欧阳娜娜,"第一行\n第二行"\r\n\r\n';
    expect(records(parse('csv', Buffer.from(csv)))).toEqual([
      { recordId: 'A1', person: { name: '张三, 李四' }, note: '他说"好"' },
      { recordId: 'A2', person: { name: '欧阳娜娜' }, note: '第一行\n第二行' },
    ]);
  });

  it('rejects a row with the wrong number of fields on its own, with its line and recordId', () => {
    const entries = parse('csv', 'recordId,name\nA1,x\nA2,y,extra\nA3\nA4,z');
    expect(entries[0]).toEqual({ index: 0, record: { recordId: 'A1', name: 'x' } });
    expect(entries[1]).toMatchObject({ index: 1, recordId: 'A2', error: { path: '', code: 'csv-field-count', message: expect.stringContaining('line 3') } });
    expect(entries[2]).toMatchObject({ index: 2, recordId: 'A3', error: { code: 'csv-field-count' } });
    expect(entries[3]).toEqual({ index: 3, record: { recordId: 'A4', name: 'z' } });
  });

  it('answers 400 invalid-csv with the line for malformed quoting', () => {
    const error = bodyError(() => parse('csv', 'recordId,name\nA1,ok\nA2,"unclosed\nA3,x\n'));
    expect(error).toMatchObject({ status: 400, code: 'invalid-csv' });
    expect(error.message).toMatch(/line \d/);
    const stray = bodyError(() => parse('csv', 'recordId,name\nA1,x"y"z\n'));
    expect(stray).toMatchObject({ status: 400, code: 'invalid-csv' });
    expect(stray.message).toContain('line 2');
  });

  it.each([
    ['a duplicate column', 'recordId,name,name'],
    ['a column inside another', 'recordId,person,person.name'],
    ['a parent after its child', 'recordId,person.name,person'],
    ['a list used as an object', 'recordId,children.0.sex,children.name'],
    ['an empty name', 'recordId,,name'],
    ['an empty segment', 'recordId,person..name'],
    ['a leading index', '0.name,recordId'],
    ['an index with a leading zero', 'recordId,children.01.sex'],
    ['a huge index', 'recordId,children.100000.sex'],
    ['__proto__', 'recordId,__proto__.polluted'],
    ['constructor', 'recordId,person.constructor'],
  ])('answers 400 invalid-csv for a header with %s', (_case, header) => {
    const error = bodyError(() => parse('csv', `${header}\n${header.split(',').map(() => 'v').join(',')}\n`));
    expect(error).toMatchObject({ status: 400, code: 'invalid-csv' });
    expect(error.message).toContain('CSV header');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers 400 empty-batch for a header without rows, or nothing', () => {
    expect(bodyError(() => parse('csv', 'recordId,name\n'))).toMatchObject({ status: 400, code: 'empty-batch' });
    expect(bodyError(() => parse('csv', ''))).toMatchObject({ status: 400, code: 'empty-batch' });
  });

  it('takes 100,000 rows and answers 413 for 100,001', () => {
    const csv = (n: number) => 'recordId\n' + 'R\n'.repeat(n);
    expect(parse('csv', csv(100_000))).toHaveLength(100_000);
    expect(bodyError(() => parse('csv', csv(100_001)))).toMatchObject({ status: 413, code: 'too-many-records' });
  });

  it('answers 400 for a body that is not UTF-8, telling the sender to convert GBK', () => {
    const gbk = Buffer.from([0x72, 0x65, 0x63, 0x6f, 0x72, 0x64, 0x49, 0x64, 0x0a, 0xd5, 0xc5, 0xc8, 0xfd, 0x0a]);
    const error = bodyError(() => parse('csv', gbk));
    expect(error).toMatchObject({ status: 400, code: 'invalid-csv' });
    expect(error.message).toContain('GBK');
  });

  it('compiles a header once, noting lists and the recordId column', () => {
    expect(compileCsvHeader(['a', 'recordId', 'b.0.c'])).toMatchObject({ hasArrays: true, recordIdColumn: 1 });
    expect(compileCsvHeader([' recordId ', 'b.c'])).toMatchObject({ hasArrays: false, recordIdColumn: 0, names: ['recordId', 'b.c'] });
  });
});

describe('flattenRecord and CSV writing', () => {
  it('flattens nested objects and lists to dotted string columns', () => {
    expect(
      flattenRecord({
        recordId: 'R1',
        version: 3,
        woman: { name: '刘芳', citizenId: '110105194912310021' },
        children: [{ sex: 'F', birthOrder: 1, policyCompliant: true }],
        husband: null,
        notes: [],
        extra: {},
      }),
    ).toEqual({
      recordId: 'R1',
      version: '3',
      'woman.name': '刘芳',
      'woman.citizenId': '110105194912310021',
      'children.0.sex': 'F',
      'children.0.birthOrder': '1',
      'children.0.policyCompliant': 'true',
    });
  });

  it('refuses to flatten something that is not an object', () => {
    expect(() => flattenRecord([1])).toThrow(TypeError);
    expect(() => flattenRecord('x')).toThrow(TypeError);
  });

  it('quotes fields only when needed', () => {
    expect(toCsvRow(['a', 'b,c', 'say "hi"', 'line\nbreak', '县'])).toBe('a,"b,c","say ""hi""","line\nbreak",县');
  });

  it('writes the union of columns in order of first use', () => {
    expect(toCsv([{ a: '1', b: { c: 2 } }, { d: 'x', a: '3' }])).toBe('a,b.c,d\r\n1,2,\r\n3,,x\r\n');
  });

  it('reads back what it writes (property)', () => {
    // Records of one batch share a shape, so a key's first letter fixes what it holds: s text, o object, l list of objects, t list of text.
    const key = (kind: string) => fc.stringMatching(/^[a-zA-Z0-9]{0,7}$/).map((rest) => kind + rest);
    const text = fc.oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom('张三', '城关镇, 东街 12 号', 'say "hi"', 'a\nb', 'x\r\ny', ' ', '0'),
    );
    const leafObject = fc.dictionary(key('s'), text, { minKeys: 1, maxKeys: 4 });
    const record = fc
      .tuple(
        fc.dictionary(key('s'), text, { maxKeys: 3 }),
        fc.dictionary(key('o'), leafObject, { maxKeys: 2 }),
        fc.dictionary(key('l'), fc.array(leafObject, { minLength: 1, maxLength: 3 }), { maxKeys: 2 }),
        fc.dictionary(key('t'), fc.array(text, { minLength: 1, maxLength: 3 }), { maxKeys: 2 }),
      )
      .map((parts) => Object.assign({}, ...parts) as Record<string, unknown>)
      .filter((r) => Object.keys(r).length > 0);
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 5 }), (list) => {
        expect(records(parse('csv', toCsv(list)))).toEqual(list);
      }),
    );
  });
});

describe('limits on what a body may hold', () => {
  const arrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  const objects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

  it('refuses a JSON body nested deeper than a record can be (400 nesting-too-deep), whatever the depth', () => {
    for (const records of [arrays(10), arrays(5_000), `[${objects(3_000)}]`, `[{"policeStation":${objects(10_000)}}]`]) {
      const error = bodyError(() => parseBatchBody('json', Buffer.from(`{"records":${records}}`)));
      expect(error).toMatchObject({ status: 400, code: 'nesting-too-deep' });
    }
    // Eight levels inside a record are still a record (the schema says what it may hold).
    expect(parseBatchBody('json', Buffer.from(`{"records":[${objects(7)}]}`))).toHaveLength(1);
  });

  it('refuses an NDJSON line nested too deep or over 64 KB on its own, naming its record id when it is plain text', () => {
    const big = JSON.stringify({ recordId: 'HK-big', name: 'x'.repeat(70_000) });
    const entries = parseBatchBody('ndjson', Buffer.from(`${arrays(20_000)}\n{"recordId":"HK-deep","a":${objects(9)}}\n${big}\n{"recordId":"HK-ok"}\n`));
    expect(entries).toEqual([
      { index: 0, error: expect.objectContaining({ code: 'nesting-too-deep' }) },
      { index: 1, recordId: 'HK-deep', error: expect.objectContaining({ code: 'nesting-too-deep' }) },
      { index: 2, error: expect.objectContaining({ code: 'record-too-large', message: expect.stringMatching(/at most 65,536/) }) },
      expect.objectContaining({ index: 3, record: { recordId: 'HK-ok' } }),
    ]);
  });

  it('refuses an object or array of more than 100 members: whole for a JSON body, alone for an NDJSON line', () => {
    const wide = JSON.stringify({ recordId: 'HK-wide', ...Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`x${i}`, i])) });
    expect(bodyError(() => parseBatchBody('json', Buffer.from(`{"records":[${wide}]}`)))).toMatchObject({ status: 400, code: 'too-many-fields' });
    expect(bodyError(() => parseBatchBody('json', Buffer.from(`{"records":[{"children":[${'1,'.repeat(100)}1]}]}`)))).toMatchObject({
      status: 400,
      code: 'too-many-fields',
      message: expect.stringMatching(/more than 100 items in one array \(at \/records\/0\/children\)/),
    });
    // A thousand records are not "too many members": the records array has its own limit.
    expect(parseBatchBody('json', Buffer.from(JSON.stringify({ records: Array.from({ length: 1000 }, (_, i) => ({ recordId: `R${i}` })) })))).toHaveLength(1000);
    expect(parseBatchBody('ndjson', Buffer.from(`${wide}\n{"recordId":"HK-ok"}\n`))).toEqual([
      { index: 0, recordId: 'HK-wide', error: expect.objectContaining({ code: 'too-many-fields' }) },
      expect.objectContaining({ index: 1, record: { recordId: 'HK-ok' } }),
    ]);
  });

  it('does not echo a record id that is not plain text', () => {
    const [entry] = parseBatchBody('ndjson', Buffer.from(`{"recordId":"a\u202Eb", oops\n`));
    expect(entry).not.toHaveProperty('recordId');
  });

  it('refuses CSV headers nested too deep or too wide, and cells over 64 KB', () => {
    expect(bodyError(() => parseBatchBody('csv', Buffer.from(`recordId,${'a.'.repeat(8)}b\r\nX,1\r\n`)))).toMatchObject({ status: 400, code: 'invalid-csv', message: expect.stringMatching(/levels deep/) });
    const wide = Array.from({ length: 501 }, (_, i) => `c${i}`).join(',');
    expect(bodyError(() => parseBatchBody('csv', Buffer.from(`${wide}\r\n`)))).toMatchObject({ status: 400, code: 'invalid-csv', message: expect.stringMatching(/501 columns/) });
    expect(bodyError(() => parseBatchBody('csv', Buffer.from(`recordId,name\r\nX,${'x'.repeat(70_000)}\r\n`)))).toMatchObject({ status: 400, code: 'invalid-csv' });
  });
});
