import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { ArchiveRefused, LogArchive } from '@sanxian/evidence';
import { LogPartitionRepository, MessageLogRepository } from '@sanxian/persistence';
import { withHub } from './cli-context';

/** `sanxian log archive`: a closed year out of the database into a file (see LogArchive). */
export function registerLogArchiveCommand(log: Command, usageError: (message: string) => Error): void {
  log
    .command('archive')
    .description("write a closed year's messages, facts and receipts to a file (JSON lines, SHA-256 beside it), record it, and drop the year's partitions; `log verify` then goes on from the archived heads")
    .requiredOption('--year <year>', 'the China calendar year to archive (before this one)')
    .requiredOption('--out <file>', 'the archive file to write (never overwritten)')
    .option('--json', 'print the result as JSON')
    .action(async (options: { year: string; out: string; json?: boolean }) => {
      if (!/^\d{4}$/.test(options.year)) throw usageError(`--year must be a year such as 2025, not ${options.year}`);
      const file = resolve(options.out);
      try {
        const written = await withHub(async (get) => {
          const { log: logName } = await get(MessageLogRepository).chainHeads();
          return new LogArchive(get(LogPartitionRepository), get(MessageLogRepository)).archiveYear(Number(options.year), file, logName);
        });
        if (options.json) {
          console.log(JSON.stringify(written));
          return;
        }
        console.log(`archived ${written.year}: ${written.messages} message(s), ${written.facts} fact(s), ${written.receipts} receipt(s) in ${written.file}`);
        console.log(`SHA-256 ${written.sha256} (also in ${written.file}.sha256 and recorded in log_archive); ${written.droppedPartitions.length} partition(s) dropped`);
        console.log(`chain heads at the end of ${written.year}: ${written.heads.map((h) => `${h.clientId}@${h.lastSeq}`).join(', ') || '(none)'}`);
        console.log('keep the file (and a copy) with the checkpoint file: `sanxian log verify --archive FILE` checks it against this database');
      } catch (error) {
        if (error instanceof ArchiveRefused) throw usageError(error.message);
        throw error;
      }
    });
}

/** `sanxian log partitions`: makes the month partitions from a month on (default this one) to 3 months ahead, and lists them; `--move-default` first moves rows out of the DEFAULT partitions. */
export function registerLogPartitionsCommand(log: Command, usageError: (message: string) => Error): void {
  log
    .command('partitions')
    .description('make the month partitions of the message log, facts and receipts (this month and 3 ahead, or from --since) and list them; the worker does this nightly')
    .option('--since <month>', 'make them from this month (YYYY-MM, China time), before a history import of earlier months')
    .option('--move-default', "first give the months whose rows landed in a DEFAULT partition their own partitions and move the rows there (intake waits while a month moves: run it in a quiet hour)")
    .option('--json', 'print as JSON')
    .action(async (options: { since?: string; moveDefault?: boolean; json?: boolean }) => {
      if (options.since !== undefined && !/^\d{4}-(0[1-9]|1[0-2])$/.test(options.since)) throw usageError(`--since must be a month such as 2025-11, not ${options.since}`);
      const since = options.since ? new Date(`${options.since}-01T00:00:00+08:00`) : new Date();
      const result = await withHub(async (get) => {
        const repository = get(LogPartitionRepository);
        const moved = options.moveDefault ? await repository.moveOutOfDefault() : [];
        const made = await repository.ensureSince(since, 3);
        return { moved, made, partitions: await repository.partitions(), inDefault: await repository.monthsInDefault() };
      });
      if (options.json) {
        console.log(JSON.stringify(result));
        return;
      }
      for (const m of result.moved) console.log(`moved ${m.rows} row(s) of ${m.table} out of its DEFAULT partition into ${m.partition}`);
      console.log(`made ${result.made.length} partition(s)${result.made.length ? `: ${result.made.join(', ')}` : ''}\n${result.partitions.join('\n')}`);
      for (const d of result.inDefault) console.log(`${d.rows} row(s) of ${d.table} of ${d.month} are in its DEFAULT partition: \`sanxian log partitions --move-default\` moves them`);
    });
}

/** `sanxian log verify --archive FILE`: the archive file's chains and hashes against what the database recorded. */
export async function verifyArchiveFile(fileOption: string, json: boolean | undefined, usageError: (message: string) => Error): Promise<void> {
  const file = resolve(fileOption);
  if (!existsSync(file)) throw usageError(`no such file: ${fileOption}`);
  const check = await withHub((get) => new LogArchive(get(LogPartitionRepository), get(MessageLogRepository)).verifyFile(file));
  if (check.problems.length) process.exitCode = 3;
  if (json) {
    console.log(JSON.stringify(check));
    return;
  }
  if (!check.problems.length) console.log(`archive intact: ${check.messages} message(s) of ${check.year} verified on their chains; SHA-256 ${check.sha256} is the one recorded`);
  else {
    console.log(`archive BROKEN: ${file}`);
    for (const p of check.problems) console.log(`  ${p}`);
  }
}
