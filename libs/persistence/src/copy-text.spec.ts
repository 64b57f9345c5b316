import { isUtf8 } from 'node:buffer';
import { OpenRowsBuilder, closeRows, copyTextChunks, type CopyValue } from './copy-text';

const openRows = (rows: CopyValue[][], bytesPerRowGuess: number) => {
  const builder = new OpenRowsBuilder(rows.length, bytesPerRowGuess);
  for (const row of rows) builder.add(row);
  return builder.finish();
};

const text = (rows: (string | Buffer | null)[][]) => Buffer.concat([...copyTextChunks(rows)]).toString('utf8');

describe('copyTextChunks (COPY text format)', () => {
  it('separates fields by tabs and rows by newlines, with \\N for NULL', () => {
    expect(text([['a', null, 'c'], ['d', 'e', '']])).toBe('a\t\\N\tc\nd\te\t\n');
  });

  it('escapes backslashes, tabs and line breaks inside values', () => {
    expect(text([['a\\b', 'x\ty', 'line\nbreak\r']])).toBe('a\\\\b\tx\\ty\tline\\nbreak\\r\n');
  });

  it('encodes UTF-8 and splits long input into chunks without breaking a character', () => {
    const rows = Array.from({ length: 3000 }, (_, i) => [`R${i}`, '张三丰'.repeat(40), String(i)]);
    const chunks = [...copyTextChunks(rows)];
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(isUtf8(chunk)).toBe(true);
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    expect(lines).toHaveLength(3001);
    expect(lines[2999]).toBe(`R2999\t${'张三丰'.repeat(40)}\t2999`);
  });

  it('takes a value larger than a chunk', () => {
    const big = 'x'.repeat(600_000);
    expect(text([[big, 'y']])).toBe(`${big}\ty\n`);
  });

  it('copies UTF-8 bytes as they are, escaping them only where they need it', () => {
    const plain = Buffer.from('{"name":"张三"}');
    expect(text([[plain, 'x']])).toBe('{"name":"张三"}\tx\n');
    expect(text([[Buffer.from('{"a":"b\\"c"}'), Buffer.from('tab\there')]])).toBe('{"a":"b\\\\"c"}\ttab\\there\n');
  });

  it('sends nothing for no rows', () => {
    expect([...copyTextChunks([])]).toEqual([]);
  });

  it('completes rows encoded ahead with their closing fields, for the rows picked and in their order', () => {
    const open = openRows([['a', Buffer.from('{"x":"张"}')], ['b\tc', null], ['d', Buffer.from('e')]], 1);
    const closed = Buffer.concat(closeRows(open, [2, 0], ['1\th\\n2', '3\t\\N'])).toString('utf8');
    expect(closed).toBe('d\te\t1\th\\n2\na\t{"x":"张"}\t3\t\\N\n');
    // The same text as rows written whole.
    expect(closed).toBe(text([['d', Buffer.from('e'), '1', 'h\n2'], ['a', Buffer.from('{"x":"张"}'), '3', null]]));
  });

  it('grows the text of open rows past its first guess without losing a byte', () => {
    const rows = Array.from({ length: 2000 }, (_, i) => [`R${i}`, '张三丰'.repeat(50)]);
    const open = openRows(rows, 8);
    const picks = rows.map((_, i) => i);
    expect(Buffer.concat(closeRows(open, picks, picks.map(String))).toString('utf8'))
      .toBe(text(rows.map((row, i) => [...row, String(i)])));
  });
});
