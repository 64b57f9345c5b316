import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { open, rename, unlink, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { sha256Hex } from '@sanxian/domain';
import { ArchiveHead, GENESIS_HASH, LogPartitionRepository, MessageLogRepository, PartitionedTable, chainHash } from '@sanxian/persistence';

/**
 * A closed year of the message log taken out of the database into a file, and the check of such a file.
 *
 * The file is JSON lines: a header (format, year, database, each client's chain head before the year), one
 * line per row (`t`: m message, f fact, r receipt; `r`: the row as stored), and a trailer (counts, each
 * client's head at the end of the year). Its SHA-256 is written beside it (FILE.sha256) and recorded with
 * the heads in `log_archive`; the year's partitions are then dropped. `log verify` goes on from the recorded
 * heads, and verifyFile re-walks the file's chains from the heads before to the recorded ones.
 */
export const ARCHIVE_FORMAT = 'sanxian-log-archive/1';

const LINE_TYPE: Record<PartitionedTable, string> = { inbound_message: 'm', canonical_fact: 'f', exchange_receipt: 'r' };

export interface ArchiveHeader {
  format: string;
  year: number;
  log: string;
  /** Each client's head before the year: where its chain in the file starts (none: the genesis hash). */
  from: ArchiveHead[];
}

export interface ArchiveTrailer {
  end: true;
  counts: { messages: number; facts: number; receipts: number };
  heads: ArchiveHead[];
}

export interface WrittenArchive {
  year: number;
  file: string;
  sha256: string;
  messages: number;
  facts: number;
  receipts: number;
  heads: ArchiveHead[];
  droppedPartitions: string[];
}

export interface ArchiveFileCheck {
  file: string;
  sha256: string;
  year: number | null;
  messages: number;
  /** Empty: the file is whole, its chains link from the heads before to its trailer, and it is the archive recorded for its year. */
  problems: string[];
}

/** Why a year cannot be archived (printed as is, exit code 2). */
export class ArchiveRefused extends Error {
  constructor(readonly reasons: string[]) {
    super(`not archived: ${reasons.join('; ')}`);
  }
}

/** This year in China (+08): the year a log archive may not take. */
export function chinaYear(now: Date): number {
  return new Date(now.getTime() + 8 * 3600_000).getUTCFullYear();
}

export class LogArchive {
  constructor(
    private readonly partitions: LogPartitionRepository,
    private readonly log: MessageLogRepository,
  ) {}

  async archiveYear(year: number, file: string, logName: string, now: Date = new Date()): Promise<WrittenArchive> {
    if (!Number.isInteger(year) || year < 1970 || year > 9999) throw new ArchiveRefused([`--year must be a year, not ${year}`]);
    if (existsSync(file)) throw new ArchiveRefused([`${file} exists already: an archive is never overwritten`]);
    const refusals = await this.partitions.archiveRefusals(year, chinaYear(now));
    if (refusals.length) throw new ArchiveRefused(refusals);
    const before = [...(await this.log.archivedHeads()).heads].map(([clientId, h]) => ({ clientId, ...h }));
    const { heads, notPrefix } = await this.partitions.headsAtEndOf(year, before);
    if (notPrefix.length) throw new ArchiveRefused([`the chains of ${notPrefix.join(', ')} have rows of ${year} after rows of a later year (receipt times out of order): ${year} is not a prefix of them`]);

    const partial = `${file}.partial`;
    const counts = { messages: 0, facts: 0, receipts: 0 };
    const hash = createHash('sha256');
    const out = createWriteStream(partial, { flags: 'wx' });
    const write = (line: string) =>
      new Promise<void>((resolve, reject) => {
        const text = `${line}\n`;
        hash.update(text);
        if (out.write(text)) resolve();
        else out.once('drain', resolve).once('error', reject);
      });
    try {
      const header: ArchiveHeader = { format: ARCHIVE_FORMAT, year, log: logName, from: before };
      await write(JSON.stringify(header));
      for (const [table, count] of [['inbound_message', 'messages'], ['canonical_fact', 'facts'], ['exchange_receipt', 'receipts']] as const) {
        let after: Parameters<LogPartitionRepository['yearPage']>[2];
        do {
          const page = await this.partitions.yearPage(table, year, after);
          for (const row of page.rows) await write(JSON.stringify({ t: LINE_TYPE[table], r: row }));
          counts[count] += page.rows.length;
          after = page.next;
        } while (after !== undefined);
      }
      const trailer: ArchiveTrailer = { end: true, counts, heads };
      await write(JSON.stringify(trailer));
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
      const handle = await open(partial, 'r+');
      await handle.sync();
      await handle.close();
    } catch (error) {
      out.destroy();
      await unlink(partial).catch(() => undefined);
      throw error;
    }
    const sha256 = hash.digest('hex');
    // The file must hold an intact chain before anything is dropped.
    const check = await checkArchiveFile(partial);
    if (check.problems.length) {
      await unlink(partial).catch(() => undefined);
      throw new ArchiveRefused([`the year's rows do not verify, nothing archived: ${check.problems.join('; ')}`]);
    }
    await rename(partial, file);
    await writeFile(`${file}.sha256`, `${sha256}  ${basename(file)}\n`);
    const droppedPartitions = await this.partitions.recordArchiveAndDrop({ year, fileName: basename(file), fileSha256: sha256, ...counts, heads });
    return { year, file, sha256, ...counts, heads, droppedPartitions };
  }

  /** Checks an archive file on its own (checkArchiveFile), then against what the database recorded for its year. */
  async verifyFile(file: string): Promise<ArchiveFileCheck> {
    const check = await checkArchiveFile(file);
    if (check.year === null) return check;
    const archives = await this.partitions.archives();
    const recorded = archives.find((a) => a.year === check.year);
    if (!recorded) {
      check.problems.push(`no archive of ${check.year} is recorded in this database`);
      return check;
    }
    if (recorded.fileSha256 !== check.sha256) check.problems.push(`the file's SHA-256 ${check.sha256} is not the one recorded for ${check.year} (${recorded.fileSha256})`);
    if (recorded.messages !== check.messages) check.problems.push(`the file holds ${check.messages} message(s); ${recorded.messages} were recorded`);
    const earlier = archives.filter((a) => a.year < check.year!).pop();
    if (!sameHeads(check.header!.from, earlier?.heads ?? [])) check.problems.push(`the heads the file starts from are not those recorded by the archive before it (${earlier ? earlier.year : 'none: the genesis hash'})`);
    if (!sameHeads(check.trailer?.heads ?? [], recorded.heads)) check.problems.push(`the heads the file ends with are not those recorded for ${check.year}`);
    return check;
  }
}

function sameHeads(a: ArchiveHead[], b: ArchiveHead[]): boolean {
  const text = (heads: ArchiveHead[]) => JSON.stringify([...heads].sort((x, y) => x.clientId.localeCompare(y.clientId)).map((h) => [h.clientId, String(h.lastSeq), h.headHash]));
  return text(a) === text(b);
}

/**
 * Reads an archive file through: its SHA-256, the header and trailer, and every client's chain recomputed
 * from the header's head (or the genesis hash) to the trailer's, as `log verify` does in the database.
 */
export async function checkArchiveFile(file: string): Promise<ArchiveFileCheck & { header?: ArchiveHeader; trailer?: ArchiveTrailer }> {
  const result: ArchiveFileCheck & { header?: ArchiveHeader; trailer?: ArchiveTrailer } = { file, sha256: '', year: null, messages: 0, problems: [] };
  const hash = createHash('sha256');
  const chains = new Map<string, { seq: bigint; hash: string }>();
  const counts = { m: 0, f: 0, r: 0 };
  let lineNo = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  const problem = (reason: string) => {
    if (result.problems.length < 20) result.problems.push(reason);
  };
  for await (const line of lines) {
    hash.update(`${line}\n`);
    lineNo++;
    let value: Record<string, any>;
    try {
      value = JSON.parse(line);
    } catch {
      problem(`line ${lineNo} is not JSON`);
      continue;
    }
    if (lineNo === 1) {
      if (value.format !== ARCHIVE_FORMAT) {
        problem(`line 1 is not a ${ARCHIVE_FORMAT} header`);
        break;
      }
      result.header = value as ArchiveHeader;
      result.year = value.year;
      for (const h of result.header.from) chains.set(h.clientId, { seq: BigInt(h.lastSeq), hash: h.headHash });
      continue;
    }
    if (result.trailer) {
      problem(`line ${lineNo} follows the trailer`);
      continue;
    }
    if (value.end === true) {
      result.trailer = value as ArchiveTrailer;
      continue;
    }
    const t = value.t as 'm' | 'f' | 'r';
    if (!(t in counts)) {
      problem(`line ${lineNo} is neither a message, a fact nor a receipt`);
      continue;
    }
    counts[t]++;
    if (t !== 'm') continue;
    const row = value.r;
    const at = chains.get(row.client_id) ?? { seq: 0n, hash: GENESIS_HASH };
    const seq = BigInt(row.chain_seq);
    const where = `client ${row.client_id} seq ${row.chain_seq} (line ${lineNo})`;
    if (seq !== at.seq + 1n) problem(`${where}: sequence jumps from ${at.seq}`);
    else if (sha256Hex(row.payload) !== row.payload_sha256) problem(`${where}: payload does not match its SHA-256`);
    else if (row.prev_hash !== at.hash) problem(`${where}: previous-hash link does not match the preceding row`);
    else if (chainHash(at.hash, row.client_id, seq, row.record_id, new Date(row.received_at).toISOString(), row.payload_sha256) !== row.row_hash) problem(`${where}: row hash does not match its contents`);
    chains.set(row.client_id, { seq, hash: row.row_hash });
  }
  result.sha256 = hash.digest('hex');
  result.messages = counts.m;
  if (!result.header) {
    if (!result.problems.length) problem('the file is empty');
    return result;
  }
  if (!result.trailer) {
    problem('the file has no trailer: it was cut short');
    return result;
  }
  const { counts: said, heads } = result.trailer;
  if (said.messages !== counts.m || said.facts !== counts.f || said.receipts !== counts.r) {
    problem(`the trailer counts ${said.messages}/${said.facts}/${said.receipts} messages/facts/receipts; the file holds ${counts.m}/${counts.f}/${counts.r}`);
  }
  for (const h of heads) {
    const at = chains.get(h.clientId) ?? { seq: 0n, hash: GENESIS_HASH };
    if (at.seq !== BigInt(h.lastSeq) || at.hash !== h.headHash) problem(`client ${h.clientId}: the chain in the file ends at seq ${at.seq}, not at the trailer's head (seq ${h.lastSeq})`);
  }
  return result;
}
