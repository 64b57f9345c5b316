/** COPY's text format, encoded without a database: pure, so that the api's intake threads can use it. */

/** COPY's text format: backslash, tab and line breaks escaped; \N is NULL. */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return /[\\\t\n\r]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : value;
}

const CHUNK_BYTES = 1 << 18;
const TAB = 0x09;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const CARRIAGE_RETURN = 0x0d;
const EMPTY = Buffer.alloc(0);
const END_TEXT: Record<number, string> = { [TAB]: '\t', [NEWLINE]: '\n' };

/** A value already UTF-8 (a payload kept as bytes): escaped byte-wise where it needs it, else copied. */
function escapedBytes(bytes: Buffer): Buffer {
  if (bytes.indexOf(BACKSLASH) === -1 && bytes.indexOf(TAB) === -1 && bytes.indexOf(NEWLINE) === -1 && bytes.indexOf(CARRIAGE_RETURN) === -1) return bytes;
  return Buffer.from(copyField(bytes.toString('utf8')));
}

/** A COPY field: text, bytes that are UTF-8 text, or NULL. */
export type CopyValue = string | Buffer | null;

/**
 * COPY text written field by field straight into buffers of at least `chunkBytes`. Building one long string
 * and encoding it afterwards cost three times as much: the api and the worker send every record through here.
 */
class CopyTextWriter {
  private buffer = EMPTY;
  private offset = 0;

  constructor(
    private readonly chunkBytes: number,
    /** Takes each buffer that is full; without it the buffer grows, so that the text stays in one piece. */
    private readonly onFull?: (chunk: Buffer) => void,
  ) {}

  get length(): number {
    return this.offset;
  }

  /**
   * Fields, each followed by a TAB but the last, which is followed by `end` (NEWLINE after a row's last
   * field). Runs of text fields are joined and written at once: each write into a buffer has a fixed cost
   * that, per field, was most of the encoding.
   */
  fields(values: readonly CopyValue[], end: number): void {
    let text = '';
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      const separator = i === values.length - 1 ? END_TEXT[end] : '\t';
      if (!Buffer.isBuffer(value)) {
        text += copyField(value) + separator;
        continue;
      }
      this.text(text);
      text = separator;
      const bytes = escapedBytes(value);
      this.room(bytes.length);
      this.offset += bytes.copy(this.buffer, this.offset);
    }
    this.text(text);
  }

  /** A row's last fields, already COPY text, and its NEWLINE. */
  closing(text: string): void {
    this.text(text);
    this.buffer[this.offset++] = NEWLINE;
  }

  private text(text: string): void {
    this.room(text.length * 3 + 1); // UTF-8 needs at most 3 bytes for a UTF-16 code unit; room for a NEWLINE after
    this.offset += this.buffer.write(text, this.offset);
  }

  /** Text already encoded (bytes start…end of other COPY text), copied as it is. */
  encoded(source: Buffer, start: number, end: number): void {
    this.room(end - start);
    this.offset += source.copy(this.buffer, this.offset, start, end);
  }

  /** What is written and not yet handed on. */
  take(): Buffer {
    const written = this.buffer.subarray(0, this.offset);
    this.buffer = EMPTY; // the next write allocates: none is wasted after the last take
    this.offset = 0;
    return written;
  }

  private room(most: number): void {
    if (this.offset + most <= this.buffer.length) return;
    if (this.onFull) {
      if (this.offset > 0) this.onFull(this.take());
      this.buffer = Buffer.allocUnsafe(Math.max(this.chunkBytes, most));
      return;
    }
    const grown = Buffer.allocUnsafe(Math.max(this.chunkBytes, this.buffer.length * 2, this.offset + most));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }
}

/** COPY text of the rows, in chunks of about CHUNK_BYTES (a value larger than that gets a chunk of its own). */
export function* copyTextChunks(rows: Iterable<CopyValue[]>): Generator<Buffer> {
  const full: Buffer[] = [];
  const writer = new CopyTextWriter(CHUNK_BYTES, (chunk) => full.push(chunk));
  for (const row of rows) {
    writer.fields(row, NEWLINE);
    while (full.length) yield full.shift()!;
  }
  if (writer.length > 0) yield writer.take();
}

/** COPY text of rows given as lines already (fields escaped by copyField and joined by TABs, no NEWLINE), added one at a time. */
export class CopyLinesBuilder {
  private readonly chunks: Buffer[] = [];
  private readonly writer = new CopyTextWriter(CHUNK_BYTES, (chunk) => this.chunks.push(chunk));

  add(line: string): void {
    this.writer.closing(line);
  }

  finish(): Buffer[] {
    if (this.writer.length > 0) this.chunks.push(this.writer.take());
    return this.chunks;
  }
}

/**
 * Rows whose leading fields are encoded ahead of time, each followed by a TAB: the api encodes a request's
 * records before it takes the sending client's lock, and only the fields that depend on the lock (the hash
 * chain) are added under it, by closeRows.
 */
export interface OpenRows {
  text: Buffer;
  /** Row i's leading fields are text[ends[i - 1] ?? 0, ends[i]). */
  ends: Uint32Array;
}

/** Open rows added one at a time, so that whatever a row was made from can be let go at once. */
export class OpenRowsBuilder {
  private readonly writer: CopyTextWriter;
  private ends = new Uint32Array(1024);
  private count = 0;

  constructor(rowsGuess = 1024, bytesPerRowGuess = 512) {
    this.writer = new CopyTextWriter(Math.max(CHUNK_BYTES, rowsGuess * bytesPerRowGuess));
  }

  add(fields: readonly CopyValue[]): void {
    this.writer.fields(fields, TAB);
    if (this.count === this.ends.length) {
      const grown = new Uint32Array(this.ends.length * 2);
      grown.set(this.ends);
      this.ends = grown;
    }
    this.ends[this.count++] = this.writer.length;
  }

  finish(): OpenRows {
    return { text: this.writer.take(), ends: this.ends.slice(0, this.count) };
  }
}

/**
 * COPY text of the chosen open rows (`picks`, in order), each completed by its closing fields (`tails`, same
 * order), given as COPY text already: TAB-separated, escaped where needed, without the row's NEWLINE.
 */
export function closeRows(open: OpenRows, picks: readonly number[], tails: readonly string[]): Buffer[] {
  const chunks: Buffer[] = [];
  const writer = new CopyTextWriter(CHUNK_BYTES, (chunk) => chunks.push(chunk));
  for (let p = 0; p < picks.length; p++) {
    const r = picks[p];
    writer.encoded(open.text, r === 0 ? 0 : open.ends[r - 1], open.ends[r]);
    writer.closing(tails[p]);
  }
  if (writer.length > 0) chunks.push(writer.take());
  return chunks;
}

const UNESCAPED: Record<string, string> = { '\\\\': '\\', '\\t': '\t', '\\n': '\n', '\\r': '\r' };

/** The fields of open row `r` as text again (NULL as null): for the rare record that must be read back. */
export function openRowFields(open: OpenRows, r: number): (string | null)[] {
  const text = open.text.toString('utf8', r === 0 ? 0 : open.ends[r - 1], open.ends[r] - 1); // without the row's last TAB
  return text.split('\t').map((value) => (value === '\\N' ? null : value.replace(/\\[\\tnr]/g, (escape) => UNESCAPED[escape])));
}
