import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordKind } from '@sanxian/contracts';

export const OUTPUT_FILES = {
  'registry-card': 'registry-cards.ndjson',
  'hukou-change': 'hukou-changes.ndjson',
  'marriage-record': 'marriage-records.ndjson',
  'birth-notice': 'birth-notices.ndjson',
  truthRecords: 'truth/records.ndjson',
  discrepancies: 'truth/discrepancies.ndjson',
  households: 'truth/households.ndjson',
} as const satisfies Record<RecordKind | 'truthRecords' | 'discrepancies' | 'households', string>;

export type OutputFile = keyof typeof OUTPUT_FILES;

/** The record kinds, in the order their files are listed (a runtime list without loading @sanxian/contracts and its Nest module). */
export const OUTPUT_KINDS: readonly RecordKind[] = ['registry-card', 'hukou-change', 'marriage-record', 'birth-notice'];

const CHUNK_BYTES = 256 * 1024;

/**
 * The output directory's NDJSON files, written as they are produced: lines are gathered into
 * chunks of ~256 KB and each chunk waits for the stream to drain, so memory stays bounded however
 * many people are generated.
 */
export class CountyOutputWriter {
  readonly lines: Record<OutputFile, number>;
  private readonly buffers: Record<OutputFile, string[]>;
  private readonly sizes: Record<OutputFile, number>;

  private constructor(
    readonly dir: string,
    private readonly streams: Record<OutputFile, WriteStream>,
  ) {
    const zero = () => Object.fromEntries(Object.keys(OUTPUT_FILES).map((k) => [k, 0])) as Record<OutputFile, number>;
    this.lines = zero();
    this.sizes = zero();
    this.buffers = Object.fromEntries(Object.keys(OUTPUT_FILES).map((k) => [k, []])) as unknown as Record<OutputFile, string[]>;
  }

  static async open(dir: string): Promise<CountyOutputWriter> {
    await mkdir(join(dir, 'truth'), { recursive: true });
    const streams = {} as Record<OutputFile, WriteStream>;
    for (const [key, file] of Object.entries(OUTPUT_FILES) as [OutputFile, string][]) {
      streams[key] = createWriteStream(join(dir, file), { encoding: 'utf8', highWaterMark: CHUNK_BYTES });
    }
    return new CountyOutputWriter(dir, streams);
  }

  write(file: OutputFile, value: unknown): void {
    const line = `${JSON.stringify(value)}\n`;
    this.buffers[file].push(line);
    this.sizes[file] += line.length;
    this.lines[file]++;
  }

  /** Writes out full chunks, waiting for the disk where it is behind. */
  async drain(force = false): Promise<void> {
    for (const key of Object.keys(OUTPUT_FILES) as OutputFile[]) {
      if (this.sizes[key] === 0 || (!force && this.sizes[key] < CHUNK_BYTES)) continue;
      const chunk = this.buffers[key].join('');
      this.buffers[key] = [];
      this.sizes[key] = 0;
      if (!this.streams[key].write(chunk)) await once(this.streams[key], 'drain');
    }
  }

  async close(): Promise<void> {
    await this.drain(true);
    await Promise.all(
      Object.values(this.streams).map(
        (stream) =>
          new Promise<void>((resolve, reject) => {
            stream.once('error', reject);
            stream.end(() => resolve());
          }),
      ),
    );
  }

  /** After a failure: close the files and remove what was half written. */
  async abort(): Promise<void> {
    await Promise.all(Object.values(this.streams).map((stream) => new Promise<void>((resolve) => stream.end(() => resolve()))));
    for (const file of Object.values(OUTPUT_FILES)) await rm(join(this.dir, file), { force: true });
  }
}
