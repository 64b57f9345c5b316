import { InvalidArgumentError, Option, type Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { isRecordKind, RECORD_KINDS } from '@sanxian/contracts/light';
import { PushError, answerVerificationRequest, completeLoad, pushFile, type BatchFormat, type LoadCompletionResult, type PushSummary } from '@sanxian/exchange-client';

/**
 * `sanxian push <kind> <file>`: sends an agency file to the hub as a signed client would.
 * Exit code 0 when every record was accepted or a duplicate, 1 when some were rejected, 2 when the push failed.
 */
interface PushCommandOptions {
  client: string;
  secretEnv: string;
  url: string;
  batchSize?: number;
  concurrency?: number;
  format?: BatchFormat;
  rejections?: string;
  load?: 'initial' | 'history';
  complete?: boolean;
  json?: boolean;
  request?: string;
}

/** `push answer <file> --request <id>`: the kind argument that makes the file an answer to a verification request. */
const ANSWER = 'answer';

const EXIT_REJECTED = 1;
const EXIT_FAILED = 2;
const LOG_INTERVAL_MS = 5000;

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

const count = (n: number): string => n.toLocaleString('en-US');

function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function rate(summary: PushSummary): number {
  return summary.elapsedMs > 0 ? Math.round(summary.records / (summary.elapsedMs / 1000)) : 0;
}

/** The summary for --json: the per-request latencies are reduced to percentiles, with the rate added. */
function summaryJson(summary: PushSummary): Record<string, unknown> {
  const sorted = [...summary.latenciesMs].sort((a, b) => a - b);
  const round = (ms: number | undefined) => (ms === undefined ? null : Math.round(ms * 10) / 10);
  const { latenciesMs: _latencies, ...rest } = summary;
  return {
    ...rest,
    elapsedMs: Math.round(summary.elapsedMs),
    recordsPerSecond: rate(summary),
    latencyMs: { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1)) },
  };
}

function summaryText(kind: string, summary: PushSummary): string {
  const width = Math.max(...[summary.accepted, summary.duplicates, summary.rejected].map((n) => count(n).length));
  const line = (label: string, n: number) => `  ${label.padEnd(10)} ${count(n).padStart(width)}`;
  const lines = [
    `Pushed ${count(summary.records)} ${kind} records in ${(summary.elapsedMs / 1000).toFixed(1)} s (${count(rate(summary))} records/s, ${count(summary.requests)} requests, ${count(summary.retries)} retries)`,
    line('accepted', summary.accepted),
    line('duplicate', summary.duplicates),
    line('rejected', summary.rejected),
  ];
  if (summary.rejectionsFile) lines.push(`Rejected records and their errors were written to ${summary.rejectionsFile}`);
  return lines.join('\n');
}

/** A progress bar on a terminal; otherwise (a log file, CI) a line every few seconds. */
export function progressReporter(): { update: (done: number, total?: number) => void; stop: () => void } {
  const started = Date.now();
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      stream: process.stderr,
      format: 'push [{bar}] {percentage}% | {value}/{total} records | {speed} records/s | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 20,
    });
    let startedBar = false;
    return {
      update(done, total) {
        const speed = count(Math.round(done / Math.max(0.001, (Date.now() - started) / 1000)));
        if (!startedBar) {
          bar.start(total ?? done, done, { speed });
          startedBar = true;
        } else {
          bar.setTotal(Math.max(total ?? done, done));
          bar.update(done, { speed });
        }
      },
      stop: () => {
        if (startedBar) bar.stop();
      },
    };
  }
  let lastLog = started;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - lastLog < LOG_INTERVAL_MS) return;
      lastLog = now;
      const speed = Math.round(done / ((now - started) / 1000));
      process.stderr.write(`push: ${count(done)}${total ? ` of ~${count(total)}` : ''} records (${count(speed)} records/s)\n`);
    },
    stop: () => undefined,
  };
}

/** What the hub said to the completion, in one line. */
function completionText(completion: LoadCompletionResult): string {
  const load = completion.load;
  if (!completion.completed) return load ? `load: none open (the last ended ${load.endedAt}, ${load.records} records)` : 'load: none open';
  return `load complete: ${load!.records} records in ${load!.batches} batches (${load!.loads.join(', ')}), since ${load!.openedAt}`;
}

export function registerPushCommand(program: Command): void {
  program
    .command('push')
    .description('send a file of records (.json, .ndjson or .csv) to the hub as a signed agency client')
    .argument('<kind>', `record kind: ${RECORD_KINDS.join(', ')}; or ${ANSWER}, to answer a verification request (协查) with --request`)
    .argument('<file>', 'records file: .json ({"records": [...]} or an array), .ndjson or .csv (dotted headers); for answer, the answer as JSON')
    .requiredOption('--client <id>', 'client id issued by the hub administrator')
    .requiredOption('--secret-env <VAR>', 'name of the environment variable holding the client secret')
    .option('--url <url>', 'base URL of the hub', 'http://127.0.0.1:3000')
    .option('--batch-size <n>', 'records per request (default 1000; at most 1000 for json, 100000 otherwise)', positiveInteger)
    .option('--concurrency <n>', 'requests in flight (default 4)', positiveInteger)
    .addOption(new Option('--format <format>', 'body format to send (default ndjson; csv for a .csv file)').choices(['json', 'ndjson', 'csv']))
    .option('--rejections <file>', 'where to write rejected records (default <file>.rejections.ndjson; a name ending in .csv writes CSV)')
    .addOption(new Option('--load <load>', "what the file is: the registry's initial load, or a history import of past events; neither counts as late (default: the regular flow)").choices(['initial', 'history']))
    .option('--complete', 'after the file, declare the bulk load (--load) complete, so that the hub reconciles it now instead of after its quiet time')
    .option('--json', 'print the summary as JSON on stdout')
    .option('--request <id>', `with ${ANSWER}: the verification request's id (requestId in GET /v1/exchange/verification-requests)`)
    // Usage errors exit 2, so that 1 keeps meaning "pushed, but some records were rejected".
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_FAILED))
    .action(async (kind: string, file: string, options: PushCommandOptions, command: Command) => {
      if (kind === ANSWER) {
        if (!options.request) {
          command.error(`error: ${ANSWER} needs --request <id>, the verification request to answer`, { exitCode: EXIT_FAILED });
          return;
        }
        const secret = secretFrom(options, command);
        if (secret) await answer(file, options, secret);
        return;
      }
      if (!isRecordKind(kind)) {
        command.error(`error: unknown record kind '${kind}'; the kinds are ${RECORD_KINDS.join(', ')}`, { exitCode: EXIT_FAILED });
        return;
      }
      const secret = secretFrom(options, command);
      if (!secret) return;
      if (options.complete && options.load === undefined) {
        command.error('error: --complete ends a bulk load: give --load initial or --load history too', { exitCode: EXIT_FAILED });
        return;
      }
      const progress = progressReporter();
      let summary: PushSummary;
      try {
        summary = await pushFile({
          kind,
          file,
          url: options.url,
          clientId: options.client,
          secret,
          batchSize: options.batchSize,
          concurrency: options.concurrency,
          format: options.format,
          rejectionsFile: options.rejections,
          load: options.load,
          onProgress: progress.update,
        });
      } catch (error) {
        progress.stop();
        process.stderr.write(`push failed: ${error instanceof Error ? error.message : String(error)}\n`);
        if (error instanceof PushError && error.summary.records > 0) {
          process.stderr.write(`before it stopped:\n${summaryText(kind, error.summary)}\n`);
        }
        process.exitCode = EXIT_FAILED;
        return;
      }
      progress.stop();
      let completion: LoadCompletionResult | undefined;
      if (options.complete) {
        try {
          completion = await completeLoad({ url: options.url, clientId: options.client, secret });
        } catch (error) {
          process.stdout.write(summaryText(kind, summary) + '\n');
          process.stderr.write(`push: the file was sent, but the load could not be declared complete: ${error instanceof Error ? error.message : String(error)}\n`);
          process.exitCode = EXIT_FAILED;
          return;
        }
      }
      const text = options.json ? JSON.stringify({ ...summaryJson(summary), ...(completion ? { loadCompletion: completion } : {}) }, null, 2) : summaryText(kind, summary) + (completion ? `\n${completionText(completion)}` : '');
      process.stdout.write(text + '\n');
      process.exitCode = summary.rejected > 0 ? EXIT_REJECTED : 0;
    });
}

/** The client secret from the variable --secret-env names, or undefined after reporting the usage error. */
function secretFrom(options: PushCommandOptions, command: Command): string | undefined {
  // The one place the CLI reads a variable it was told the name of: secrets must not appear in argv.
  const secret = process.env[options.secretEnv];
  if (!secret) {
    command.error(`error: environment variable ${options.secretEnv} (given by --secret-env) is not set or empty; it must hold the client secret`, {
      exitCode: EXIT_FAILED,
    });
    return undefined;
  }
  return secret;
}

/**
 * Sends the file as the answer to one verification request. Exit 0 when the hub holds an answer
 * (this one, or an earlier one it kept: said so), 1 when it refused this answer (each error with
 * its path), 2 when the answer could not be delivered.
 */
async function answer(file: string, options: PushCommandOptions, secret: string): Promise<void> {
  try {
    const result = await answerVerificationRequest({ url: options.url, clientId: options.client, secret, requestId: options.request!, file });
    if (options.json) process.stdout.write(JSON.stringify(result.body, null, 2) + '\n');
    if (result.outcome === 'refused') {
      if (!options.json) {
        const errors = result.body.errors ?? [];
        process.stdout.write(`The hub refused the answer (${result.body.code ?? result.status}): ${result.body.detail ?? ''}\n`);
        for (const e of errors) process.stdout.write(`  ${e.path || '(body)'}  ${e.code}  ${e.message}\n`);
      }
      process.exitCode = EXIT_REJECTED;
      return;
    }
    const { body } = result;
    if (!options.json) {
      process.stdout.write(body.duplicate
        ? `Request ${body.requestId} was answered before; the hub kept that answer (${String(body.answer.answer)}) and changed nothing.\n`
        : `Answered request ${body.requestId}: ${String(body.answer.answer)}${body.answer.recordId ? ` with record ${String(body.answer.recordId)}` : ''}.\n`);
    }
    process.exitCode = 0;
  } catch (error) {
    process.stderr.write(`answer failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT_FAILED;
  }
}
