import { webcrypto } from 'node:crypto';
import canonicalize from 'canonicalize';
import { sha256Hex } from '../sha256';
import type { ReturnSignature, SignedReturn, SurveyReturn } from './survey-types';

/**
 * What inspectors sign: the return's canonical bytes (RFC 8785, JSON Canonicalization Scheme), so a
 * device and the hub, or any later verifier, get the same bytes from the same return. Signatures are
 * checked with WebCrypto (Ed25519, or ECDSA P-256 with SHA-256 and the IEEE P1363 r||s encoding that
 * WebCrypto produces), against public keys enrolled as SPKI DER.
 */

export type SigningAlgorithm = ReturnSignature['algorithm'];
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['Ed25519', 'ECDSA-P256-SHA256'];

export function canonicalReturnBytes(survey: SurveyReturn): Buffer {
  return Buffer.from(canonicalize(survey)!, 'utf8');
}

/** SHA-256 (hex) of the canonical bytes: the return's content hash, what the hub's chain links. */
export function returnContentHash(survey: SurveyReturn): string {
  return sha256Hex(canonicalReturnBytes(survey));
}

/** An enrolled inspector key: its id is the SHA-256 (hex) of its SPKI DER, as for the log's checkpoint key. */
export interface EnrolledKey {
  keyId: string;
  staffId: string;
  algorithm: SigningAlgorithm;
  /** SPKI DER, base64. */
  publicKey: string;
}

export function signingKeyId(spkiDer: Uint8Array): string {
  return sha256Hex(Buffer.from(spkiDer));
}

function importParams(algorithm: SigningAlgorithm): webcrypto.EcKeyImportParams | webcrypto.Algorithm {
  return algorithm === 'Ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' };
}

function verifyParams(algorithm: SigningAlgorithm): webcrypto.EcdsaParams | webcrypto.Algorithm {
  return algorithm === 'Ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', hash: 'SHA-256' };
}

/** Imports an SPKI public key for verification; throws when the bytes are not a key of that algorithm. */
export async function importVerifyKey(spkiBase64: string, algorithm: SigningAlgorithm): Promise<webcrypto.CryptoKey> {
  return webcrypto.subtle.importKey('spki', Buffer.from(spkiBase64, 'base64'), importParams(algorithm), true, ['verify']);
}

/** Signs with a WebCrypto private key, as an inspector's device does (for the demo and the tests). */
export async function signReturn(survey: SurveyReturn, keyId: string, algorithm: SigningAlgorithm, privateKey: webcrypto.CryptoKey): Promise<ReturnSignature> {
  const signature = await webcrypto.subtle.sign(verifyParams(algorithm), privateKey, canonicalReturnBytes(survey));
  return { keyId, algorithm, signature: Buffer.from(signature).toString('base64') };
}

export type SignatureProblem =
  | { keyId: string; problem: 'unknown-key' }
  | { keyId: string; problem: 'algorithm-mismatch' }
  | { keyId: string; problem: 'bad-signature' }
  | { keyId: string; problem: 'duplicate-signer' };

/**
 * Checks every signature of a signed return against the enrolled keys; returns what is wrong, empty when
 * every signature verifies. Which signers must have signed (the team's members who took part) is the caller's.
 */
export async function signatureProblems(signed: SignedReturn, keys: ReadonlyMap<string, EnrolledKey>): Promise<SignatureProblem[]> {
  const bytes = canonicalReturnBytes(signed.return);
  const problems: SignatureProblem[] = [];
  const signers = new Set<string>();
  for (const signature of signed.signatures) {
    const key = keys.get(signature.keyId);
    if (!key) { problems.push({ keyId: signature.keyId, problem: 'unknown-key' }); continue; }
    if (key.algorithm !== signature.algorithm) { problems.push({ keyId: signature.keyId, problem: 'algorithm-mismatch' }); continue; }
    if (signers.has(key.staffId)) { problems.push({ keyId: signature.keyId, problem: 'duplicate-signer' }); continue; }
    const publicKey = await importVerifyKey(key.publicKey, key.algorithm);
    const ok = await webcrypto.subtle.verify(verifyParams(key.algorithm), publicKey, Buffer.from(signature.signature, 'base64'), bytes);
    if (!ok) problems.push({ keyId: signature.keyId, problem: 'bad-signature' });
    else signers.add(key.staffId);
  }
  return problems;
}

/**
 * The hash chain of accepted returns: each row's hash covers the previous row's hash, its place in the
 * chain, the return's id, when it was received and the SHA-256 of the stored signed return (canonical), so
 * an edited, removed or reordered row breaks every hash after it.
 */
export const RETURN_CHAIN_GENESIS = '0'.repeat(64);

export function signedReturnHash(signed: SignedReturn): string {
  return sha256Hex(canonicalize(signed)!);
}

export function returnRowHash(previousHash: string, seq: bigint, returnId: string, receivedAt: string, signedHash: string): string {
  return sha256Hex(['sanxian-survey-return/v1', previousHash, seq.toString(), returnId, receivedAt, signedHash].join('\n'));
}
