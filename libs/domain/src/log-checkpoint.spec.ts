import { generateKeyPairSync } from 'node:crypto';
import {
  CHECKPOINT_FORMAT, SignedCheckpoint, canonicalCheckpoint, checkpointBody, checkpointSequenceProblems, checkpointSignatureProblem, checkpointedRows,
  parseCheckpoint, publicKeyId, signCheckpoint,
} from './log-checkpoint';
import { sha256Hex } from './sha256';

const H = (c: string) => c.repeat(64);

describe('signed checkpoints of the chain heads', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519');
  const at = new Date('2026-12-07T05:00:00.000Z');

  it('serialises canonically (RFC 8785): keys sorted, no spaces, heads ordered by client id', () => {
    const body = checkpointBody('sanxian', at, [{ clientId: 'ps-b', lastSeq: '2', headHash: H('b') }, { clientId: 'hl-a', lastSeq: '10', headHash: H('a') }], null);
    expect(canonicalCheckpoint(body).toString('utf8')).toBe(
      `{"createdAt":"2026-12-07T05:00:00.000Z","format":"${CHECKPOINT_FORMAT}","heads":[{"clientId":"hl-a","headHash":"${H('a')}","lastSeq":"10"},` +
        `{"clientId":"ps-b","headHash":"${H('b')}","lastSeq":"2"}],"log":"sanxian","previous":null}`,
    );
    // The same heads in another order, and keys in another order, give the same bytes.
    const reordered = { previous: null, heads: [...body.heads].reverse().map((h) => ({ headHash: h.headHash, lastSeq: h.lastSeq, clientId: h.clientId })), log: 'sanxian', createdAt: body.createdAt, format: body.format };
    expect(canonicalCheckpoint(checkpointBody('sanxian', at, reordered.heads, null))).toEqual(canonicalCheckpoint(body));
    // Keys in another order (the array's order is the body's: RFC 8785 keeps arrays as they are).
    expect(canonicalCheckpoint({ ...reordered, heads: [...reordered.heads].reverse() } as never)).toEqual(canonicalCheckpoint(body));
  });

  it('signs with Ed25519 and verifies with the public key only', () => {
    const signed = signCheckpoint(checkpointBody('sanxian', at, [{ clientId: 'ps-1', lastSeq: '5', headHash: H('c') }], null), privateKey);
    expect(signed.hash).toBe(sha256Hex(canonicalCheckpoint(signed.checkpoint)));
    expect(signed.keyId).toBe(publicKeyId(publicKey));
    const line = JSON.stringify(signed);
    expect(checkpointSignatureProblem(parseCheckpoint(line), publicKey)).toBeUndefined();
    expect(checkpointSignatureProblem(signed, other.publicKey)).toMatch(/another key/);
  });

  it('finds a checkpoint whose head was changed, with or without its hash recomputed', () => {
    const signed = signCheckpoint(checkpointBody('sanxian', at, [{ clientId: 'ps-1', lastSeq: '5', headHash: H('c') }], null), privateKey);
    const edited: SignedCheckpoint = structuredClone(signed);
    edited.checkpoint.heads[0].headHash = H('d');
    expect(checkpointSignatureProblem(edited, publicKey)).toMatch(/hash does not match/);
    edited.hash = sha256Hex(canonicalCheckpoint(edited.checkpoint));
    expect(checkpointSignatureProblem(edited, publicKey)).toMatch(/signature does not verify/);
    // Signed by someone else's key, but claiming ours.
    const forged = signCheckpoint(edited.checkpoint, other.privateKey);
    expect(checkpointSignatureProblem({ ...forged, keyId: signed.keyId }, publicKey)).toMatch(/signature does not verify/);
  });

  it('refuses a line that is not a signed checkpoint, naming why', () => {
    expect(() => parseCheckpoint('{')).toThrow('not JSON');
    expect(() => parseCheckpoint('{"checkpoint":{"format":"x"}}')).toThrow(/format/);
    const signed = signCheckpoint(checkpointBody('sanxian', at, [], null), privateKey);
    const bad = structuredClone(signed) as unknown as { checkpoint: { heads: unknown[] } };
    bad.checkpoint.heads = [{ clientId: 'ps-1', lastSeq: '-1', headHash: H('a') }];
    expect(() => parseCheckpoint(JSON.stringify(bad))).toThrow(/head/);
  });

  it('checks a file of checkpoints among themselves: links, order, log, heads that go back or change', () => {
    const first = signCheckpoint(checkpointBody('sanxian', at, [{ clientId: 'ps-1', lastSeq: '5', headHash: H('a') }], null), privateKey);
    const second = signCheckpoint(checkpointBody('sanxian', new Date(at.getTime() + 60_000), [{ clientId: 'ps-1', lastSeq: '7', headHash: H('b') }], first.hash), privateKey);
    const third = signCheckpoint(checkpointBody('sanxian', new Date(at.getTime() + 120_000), [{ clientId: 'ps-1', lastSeq: '7', headHash: H('b') }], second.hash), privateKey);
    expect(checkpointSequenceProblems([first, second, third], publicKey, 'sanxian')).toEqual([]);
    expect(checkpointedRows([first, second, third])).toEqual([
      { clientId: 'ps-1', seq: '5', hash: H('a'), checkpointedAt: first.checkpoint.createdAt },
      { clientId: 'ps-1', seq: '7', hash: H('b'), checkpointedAt: second.checkpoint.createdAt },
    ]);

    // The middle one left out.
    expect(checkpointSequenceProblems([first, third], publicKey)).toEqual([{ line: 2, reason: expect.stringContaining('does not link') }]);
    // Another log's checkpoints.
    expect(checkpointSequenceProblems([first], publicKey, 'sanxian_demo')).toEqual([{ line: 1, reason: expect.stringContaining('"sanxian"') }]);
    // A head that went back, or the same sequence with another hash, each signed properly.
    const back = signCheckpoint(checkpointBody('sanxian', new Date(at.getTime() + 60_000), [{ clientId: 'ps-1', lastSeq: '4', headHash: H('c') }], first.hash), privateKey);
    expect(checkpointSequenceProblems([first, back], publicKey)).toEqual([{ line: 2, reason: expect.stringContaining('went back from seq 5 to 4') }]);
    const changed = signCheckpoint(checkpointBody('sanxian', new Date(at.getTime() + 60_000), [{ clientId: 'ps-1', lastSeq: '5', headHash: H('c') }], first.hash), privateKey);
    expect(checkpointSequenceProblems([first, changed], publicKey)).toEqual([{ line: 2, reason: expect.stringContaining('another hash') }]);
  });
});
