import { execFile, execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { createServer, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '@sanxian/domain';
import { chainHash } from '@sanxian/persistence';
import { runCli, runCliAsync } from '../support/cli-process';
import { hukouChange } from '../support/record-factory';
import { loadConfig } from '@sanxian/contracts';
import { createWorker } from '../../apps/worker/src/worker.factory';
import { Hub, TestClient, send, startHub, waitFor } from '../support/hub-harness';

const PATH = '/v1/exchange/hukou-changes';

/**
 * The probe's attack: a database superuser rewrites the last row of a client's chain and recomputes its
 * SHA-256, row hash and the client's chain head. The chain alone cannot see it; a signed checkpoint
 * kept outside the database does. `log verify` runs as a process, as an operator or auditor runs it.
 */
describe('signed checkpoints anchor the message log outside the database (CLI as a process)', () => {
  let hub: Hub;
  let dir: string;
  let env: Record<string, string>;
  let witness: Server;
  const witnessed: string[] = [];
  let a: TestClient;
  let b: TestClient;

  const push = async (client: TestClient, serials: number[], seed: number) => {
    const res = await send(hub.url, client, 'POST', PATH, { records: serials.map((i) => hukouChange(i, seed)) });
    expect((await res.json()).accepted).toBe(serials.length);
  };
  const lines = () => readFileSync(env.CHECKPOINT_FILE, 'utf8').split('\n').filter(Boolean);

  beforeAll(async () => {
    hub = await startHub({ worker: false });
    dir = mkdtempSync(join(tmpdir(), 'sanxian-checkpoints-'));
    witness = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        witnessed.push(body);
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((resolve) => witness.listen(0, '127.0.0.1', resolve));
    env = {
      DATABASE_URL: hub.db.url, REDIS_URL: hub.env.REDIS_URL, QUEUE_PREFIX: hub.env.QUEUE_PREFIX, LOG_LEVEL: 'error',
      CHECKPOINT_FILE: join(dir, 'log.checkpoints.jsonl'),
      CHECKPOINT_KEY_FILE: join(dir, 'keys', 'signing-key.pem'),
      CHECKPOINT_WITNESS_URL: `http://127.0.0.1:${(witness.address() as AddressInfo).port}/checkpoints`,
    };
    a = await hub.createClient('public-security');
    b = await hub.createClient('public-security');
  });
  afterAll(async () => {
    await new Promise((resolve) => witness?.close(resolve));
    await hub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('without a checkpoint, verify says that only the chain vouches for the log', async () => {
    await push(a, [1, 2, 3, 4, 5], 21);
    await push(b, [1, 2, 3, 4], 22);
    const result = runCli(['log', 'verify'], env);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('chains intact: 9 message(s) in 2 client chain(s) verified');
    expect(result.stdout).toContain('no checkpoint in');
  });

  it('writes a signed checkpoint to the file and the witness, making the key (0600) at first use', async () => {
    const result = await runCliAsync(['log', 'checkpoint'], env);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('made the signing key');
    expect(result.stdout).toContain('-----BEGIN PUBLIC KEY-----');
    expect(result.stdout).toMatch(/checkpoint [0-9a-f]{64} of .*: 2 client chain\(s\), 9 message\(s\)/);
    expect(result.stdout).toContain('witness: sent');
    expect(statSync(env.CHECKPOINT_KEY_FILE).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${env.CHECKPOINT_KEY_FILE}.pub`, 'utf8')).toContain('BEGIN PUBLIC KEY');
    const [line] = lines();
    expect(witnessed).toEqual([line]);
    const heads = JSON.parse(line).checkpoint.heads;
    expect(heads).toEqual(expect.arrayContaining([
      expect.objectContaining({ clientId: a.clientId, lastSeq: '5' }),
      expect.objectContaining({ clientId: b.clientId, lastSeq: '4' }),
    ]));
  });

  it('passes on an untouched log, and says what is covered by the chain only', async () => {
    await push(b, [5], 22);
    const second = await runCliAsync(['log', 'checkpoint', '--json'], env);
    expect(second.status).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ keyCreated: false, witness: 'sent' });
    expect(witnessed).toHaveLength(2);
    const [first, latest] = lines().map((l) => JSON.parse(l));
    expect(latest.checkpoint.previous).toBe(first.hash);
    await push(a, [6, 7], 21);

    const result = runCli(['log', 'verify'], env);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('chains intact: 12 message(s)');
    expect(result.stdout).toContain(`checkpoints: 2 in ${env.CHECKPOINT_FILE}`);
    expect(result.stdout).toContain('2 message(s) received after it are covered by the chain only');
    const json = JSON.parse(runCli(['log', 'verify', '--json'], env).stdout);
    expect(json.breaks).toEqual([]);
    expect(json.checkpoints).toMatchObject({ checkpoints: 2, problems: [], rewritten: [], messagesAfterLatest: 2 });
  });

  it('the worker writes checkpoints on its schedule (CHECKPOINT_INTERVAL), into the same chain of checkpoints', async () => {
    const before = lines().length;
    const config = loadConfig({ ...hub.env, CHECKPOINT_INTERVAL: '1', CHECKPOINT_FILE: env.CHECKPOINT_FILE, CHECKPOINT_KEY_FILE: env.CHECKPOINT_KEY_FILE });
    const worker = await createWorker(config, { logs: false });
    try {
      await waitFor('a scheduled checkpoint', async () => lines().length > before || undefined, 90_000, 250);
    } finally {
      await worker.close();
    }
    const all = lines().map((l) => JSON.parse(l));
    expect(all[before].checkpoint.previous).toBe(all[before - 1].hash);
    expect(all[before].keyId).toBe(all[0].keyId);
  });

  it('finds the last row of a chain rewritten by a superuser with every hash recomputed, and names it', async () => {
    const [row] = await hub.sql(
      `SELECT id, record_id, payload, prev_hash, received_at FROM inbound_message WHERE client_id = $1 AND chain_seq = 5`, [b.clientId]);
    const payload = row.payload.replace(/"regionCode":"(\d+)"/, '"regionCode":"511325100000"');
    expect(payload).not.toBe(row.payload);
    const sha = sha256Hex(payload);
    const rowHash = chainHash(row.prev_hash, b.clientId, '5', row.record_id, row.received_at.toISOString(), sha);
    // As the database superuser would: past the append-only trigger, then the chain head to match.
    await hub.sql(`ALTER TABLE inbound_message DISABLE TRIGGER inbound_message_guard`);
    await hub.sql(`UPDATE inbound_message SET payload = $2, payload_sha256 = $3, row_hash = $4 WHERE id = $1`, [row.id, payload, sha, rowHash]);
    await hub.sql(`ALTER TABLE inbound_message ENABLE TRIGGER inbound_message_guard`);
    await hub.sql(`UPDATE exchange_client SET chain_head = $2 WHERE id = $1`, [b.clientId, rowHash]);

    const result = runCli(['log', 'verify'], env);
    // The chain alone is fooled, as the probe found; the checkpoint is not.
    expect(result.stdout).toContain('chains intact: 12 message(s)');
    expect(result.status).toBe(3);
    expect(result.stdout).toContain('log REWRITTEN: 1 client chain(s)');
    expect(result.stdout).toContain(`client ${b.clientId}: the row at seq 5 (message ${row.id}) does not have the hash checkpointed at`);
    expect(result.stdout).toContain('the row was rewritten');
    const json = JSON.parse(runCli(['log', 'verify', '--json'], env).stdout);
    expect(json.breaks).toEqual([]);
    expect(json.checkpoints.rewritten).toEqual([expect.objectContaining({ clientId: b.clientId, seq: '5', messageId: row.id, lastMatchingSeq: '4', rowHash })]);

    // Nor does a new checkpoint vouch for the rewritten log.
    const written = lines().length;
    const refused = runCli(['log', 'checkpoint'], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`no checkpoint written: the log no longer has the rows the last checkpoint`);
    expect(refused.stderr).toContain(`client ${b.clientId} seq 5 (message ${row.id})`);
    expect(lines()).toHaveLength(written);
  });

  it("lets an auditor verify with their own copies, and refuses checkpoints another key signed", () => {
    const auditor = mkdtempSync(join(dir, 'auditor-'));
    copyFileSync(env.CHECKPOINT_FILE, join(auditor, 'copy.jsonl'));
    copyFileSync(`${env.CHECKPOINT_KEY_FILE}.pub`, join(auditor, 'hub.pub'));
    const own = runCli(['log', 'verify', '--checkpoints', join(auditor, 'copy.jsonl'), '--public-key', join(auditor, 'hub.pub')], { ...env, CHECKPOINT_FILE: join(auditor, 'none.jsonl') });
    expect(own.status).toBe(3);
    expect(own.stdout).toContain(`client ${b.clientId}: the row at seq 5`);

    writeFileSync(join(auditor, 'other.pub'), generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const other = runCli(['log', 'verify', '--json', '--checkpoints', join(auditor, 'copy.jsonl'), '--public-key', join(auditor, 'other.pub')], env);
    expect(other.status).toBe(3);
    expect(JSON.parse(other.stdout).checkpoints.problems).toEqual(lines().map((_, i) => ({ line: i + 1, reason: expect.stringContaining('signed with another key') })));

    // Checkpoints name the database they were written for: a copy restored under another name says which.
    const renamed = runCli(['log', 'verify', '--json', '--log-name', 'sanxian_elsewhere'], env);
    expect(JSON.parse(renamed.stdout).checkpoints.problems).toContainEqual({ line: 1, reason: expect.stringContaining(`, not "sanxian_elsewhere"`) });
    const named = runCli(['log', 'verify', '--json', '--log-name', hub.db.name], env);
    expect(JSON.parse(named.stdout).checkpoints).toMatchObject({ problems: [], rewritten: [expect.objectContaining({ clientId: b.clientId, seq: '5' })] });

    const missing = runCli(['log', 'verify', '--checkpoints', join(auditor, 'nothing.jsonl')], env);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no such file');
  });


  it('timestamps each checkpoint at an RFC 3161 TSA (openssl ts on 127.0.0.1) whose token openssl verifies', async () => {
    const tsaDir = mkdtempSync(join(dir, 'tsa-'));
    const at = (name: string) => join(tsaDir, name);
    const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: tsaDir, stdio: 'pipe' });
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Test CA']);
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'tsa.key', '-out', 'tsa.csr', '-subj', '/CN=Test TSA']);
    writeFileSync(at('ext.cnf'), 'extendedKeyUsage=critical,timeStamping\n');
    openssl(['x509', '-req', '-in', 'tsa.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tsa.crt', '-days', '2', '-extfile', 'ext.cnf']);
    writeFileSync(at('serial'), '01\n');
    writeFileSync(at('tsa.cnf'), [
      '[ tsa ]', 'default_tsa = tsa1', '[ tsa1 ]', `serial = ${at('serial')}`, 'crypto_device = builtin', 'signer_digest = sha256',
      'default_policy = 1.2.3.4.1', 'digests = sha256', 'accuracy = secs:1', 'ess_cert_id_alg = sha256', '',
    ].join('\n'));
    let served = 0;
    const tsa = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const n = ++served;
        writeFileSync(at(`q${n}.tsq`), Buffer.concat(chunks));
        execFile('openssl', ['ts', '-reply', '-config', 'tsa.cnf', '-queryfile', `q${n}.tsq`, '-signer', 'tsa.crt', '-inkey', 'tsa.key', '-out', `r${n}.tsr`], { cwd: tsaDir }, (error) => {
          if (error) res.writeHead(500).end();
          else res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(readFileSync(at(`r${n}.tsr`)));
        });
      });
    });
    await new Promise<void>((resolve) => tsa.listen(0, '127.0.0.1', resolve));
    const tsaEnv = { ...env, CHECKPOINT_FILE: at('log.checkpoints.jsonl'), CHECKPOINT_TSA_URL: `http://127.0.0.1:${(tsa.address() as AddressInfo).port}/tsa` };
    delete (tsaEnv as Record<string, string>).CHECKPOINT_WITNESS_URL;
    try {
      const written = await runCliAsync(['log', 'checkpoint'], tsaEnv);
      expect(written.stderr).toBe('');
      expect(written.stdout).toContain(`RFC 3161 timestamp: `);
      expect(served).toBe(1);
      const [line] = readFileSync(tsaEnv.CHECKPOINT_FILE, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      // openssl, not our code, says that the token is the TSA's and is for the checkpoint's hash.
      writeFileSync(at('token.der'), Buffer.from(line.timestamp.token, 'base64'));
      const verified = execFileSync('openssl', ['ts', '-verify', '-digest', line.hash, '-in', 'token.der', '-token_in', '-CAfile', 'ca.crt', '-untrusted', 'tsa.crt'], { cwd: tsaDir, encoding: 'utf8', stdio: 'pipe' });
      expect(verified).toContain('Verification: OK');

      const audit = runCli(['log', 'verify'], tsaEnv);
      expect(audit.status).toBe(0);
      expect(audit.stdout).toContain('1 checkpoint(s) carry an RFC 3161 timestamp whose imprint, time and signature check');

      // A timestamp moved to another time, or taken from another checkpoint, is named.
      writeFileSync(tsaEnv.CHECKPOINT_FILE, JSON.stringify({ ...line, timestamp: { ...line.timestamp, genTime: '2020-01-01T00:00:00.000Z' } }) + '\n');
      const moved = runCli(['log', 'verify', '--json'], tsaEnv);
      expect(moved.status).toBe(3);
      expect(JSON.parse(moved.stdout).checkpoints.problems).toEqual([{ line: 1, reason: expect.stringContaining('not 2020-01-01T00:00:00.000Z') }]);
    } finally {
      await new Promise((resolve) => tsa.close(resolve));
    }
    // A TSA that cannot be reached costs the checkpoint its timestamp, not the checkpoint.
    const unreachable = await runCliAsync(['log', 'checkpoint', '--json'], { ...tsaEnv, CHECKPOINT_FILE: at('other.jsonl'), CHECKPOINT_TSA_URL: 'http://127.0.0.1:9/tsa' });
    expect(unreachable.status).toBe(0);
    expect(JSON.parse(unreachable.stdout)).toMatchObject({ timestampFailure: expect.any(String), checkpoint: expect.not.objectContaining({ timestamp: expect.anything() }) });

    // The TSA's token put beside another checkpoint: it is for another hash.
    const tsaLine = JSON.parse(readFileSync(tsaEnv.CHECKPOINT_FILE, 'utf8'));
    const other = JSON.parse(readFileSync(at('other.jsonl'), 'utf8'));
    writeFileSync(at('other.jsonl'), JSON.stringify({ ...other, timestamp: { ...tsaLine.timestamp, genTime: tsaLine.timestamp.genTime } }) + '\n');
    const borrowed = runCli(['log', 'verify', '--json', '--checkpoints', at('other.jsonl')], tsaEnv);
    expect(borrowed.status).toBe(3);
    expect(JSON.parse(borrowed.stdout).checkpoints.problems).toEqual([{ line: 1, reason: expect.stringContaining('for another hash') }]);
  });

  it('goes on after a write cut short, linking to the last whole checkpoint; verify names the cut line', async () => {
    const file = join(dir, 'torn.jsonl');
    const tornEnv = { ...env, CHECKPOINT_FILE: file };
    delete (tornEnv as Record<string, string>).CHECKPOINT_WITNESS_URL;
    expect(runCli(['log', 'checkpoint'], tornEnv).status).toBe(0);
    const [first] = readFileSync(file, 'utf8').trim().split('\n');
    writeFileSync(file, `${first}\n${first.slice(0, 40)}`); // as a crash in the middle of a write leaves it
    expect(runCli(['log', 'checkpoint'], tornEnv).status).toBe(0);
    const written = readFileSync(file, 'utf8').split('\n');
    expect(written).toHaveLength(4);
    expect(written[1]).toBe(first.slice(0, 40));
    expect(JSON.parse(written[2]).checkpoint.previous).toBe(JSON.parse(first).hash);
    const audit = runCli(['log', 'verify', '--json'], tornEnv);
    expect(audit.status).toBe(3);
    expect(JSON.parse(audit.stdout).checkpoints).toMatchObject({ checkpoints: 2, rewritten: [], problems: [{ line: 2, reason: expect.stringContaining('not a signed checkpoint') }] });
  });
});
