import { webcrypto } from 'node:crypto';
import {
  canonicalReturnBytes,
  returnContentHash,
  signatureProblems,
  signingKeyId,
  signReturn,
  type EnrolledKey,
  type SigningAlgorithm,
} from './return-signing';
import { faithfulReturn } from './survey-test.factory';
import type { SignedReturn } from './survey-types';

async function inspectorKey(staffId: string, algorithm: SigningAlgorithm) {
  const params = algorithm === 'Ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' };
  // Not extractable, as on an inspector's device: only the public key leaves it.
  const pair = (await webcrypto.subtle.generateKey(params, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const spki = new Uint8Array(await webcrypto.subtle.exportKey('spki', pair.publicKey));
  const enrolled: EnrolledKey = { keyId: signingKeyId(spki), staffId, algorithm, publicKey: Buffer.from(spki).toString('base64') };
  return { enrolled, privateKey: pair.privateKey };
}

describe('canonical bytes of a return (RFC 8785)', () => {
  it('do not depend on the order of keys, and sort them by code point', () => {
    const survey = faithfulReturn();
    const reordered = Object.fromEntries(Object.entries(survey).reverse()) as typeof survey;
    expect(canonicalReturnBytes(reordered).equals(canonicalReturnBytes(survey))).toBe(true);
    expect(canonicalReturnBytes(survey).toString('utf8').startsWith('{"campaignId":"c-2026-1","drawId":"d-2026-1-1","groups":[')).toBe(true);
  });

  it('keep non-ASCII text as it is (JCS escapes only control characters) and hash to hex', () => {
    const text = canonicalReturnBytes({ ...faithfulReturn(), groups: [], surveyDate: '2026-06-10', villageCode: '张\u2028' } as never).toString('utf8');
    expect(text).toContain('"villageCode":"张\u2028"');
    expect(returnContentHash(faithfulReturn())).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('signatureProblems', () => {
  it.each(['Ed25519', 'ECDSA-P256-SHA256'] as const)('verifies every %s signature of the team', async (algorithm) => {
    const leader = await inspectorKey('staff-1', algorithm);
    const member = await inspectorKey('staff-2', 'Ed25519');
    const survey = faithfulReturn();
    const signed: SignedReturn = {
      return: survey,
      signatures: [await signReturn(survey, leader.enrolled.keyId, algorithm, leader.privateKey), await signReturn(survey, member.enrolled.keyId, 'Ed25519', member.privateKey)],
    };
    const keys = new Map([leader.enrolled, member.enrolled].map((k) => [k.keyId, k]));
    expect(await signatureProblems(signed, keys)).toEqual([]);
  });

  it('refuses a return changed after signing, a key not enrolled and a signer twice', async () => {
    const leader = await inspectorKey('staff-1', 'Ed25519');
    const stranger = await inspectorKey('staff-9', 'Ed25519');
    const survey = faithfulReturn();
    const signature = await signReturn(survey, leader.enrolled.keyId, 'Ed25519', leader.privateKey);
    const keys = new Map([[leader.enrolled.keyId, leader.enrolled]]);
    const changed = structuredClone(survey);
    changed.groups[0].households[0].persons[0].items[0] = { item: 'name', status: 'checked', value: '张秀云' };
    expect(await signatureProblems({ return: changed, signatures: [signature] }, keys)).toEqual([{ keyId: leader.enrolled.keyId, problem: 'bad-signature' }]);
    const foreign = await signReturn(survey, stranger.enrolled.keyId, 'Ed25519', stranger.privateKey);
    expect(await signatureProblems({ return: survey, signatures: [signature, foreign, signature] }, keys)).toEqual([
      { keyId: stranger.enrolled.keyId, problem: 'unknown-key' },
      { keyId: leader.enrolled.keyId, problem: 'duplicate-signer' },
    ]);
  });
});
