import canonicalize from 'canonicalize';
import type { SignedReturn } from '@sanxian/api-types';
import type { ReturnSignature, SurveyReturn } from '@sanxian/domain';
import { surveyStore, type DeviceKey } from './survey-store';

/**
 * Signing on the device. Each member's key pair is made here with WebCrypto: Ed25519 where the
 * browser has it, else ECDSA P-256. The private key is made non-extractable, so it can sign but
 * never leave the device (not even to a backup); only the public key is shown, for an admin to
 * enroll. Its id is its fingerprint (SHA-256 of the public key's SubjectPublicKeyInfo), which the
 * device and the hub compute alike, so the device needs no answer from the hub to name its key.
 */

const ED25519 = { name: 'Ed25519' } as const;
const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

function base64(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let text = '';
  for (const byte of view) text += String.fromCharCode(byte);
  return btoa(text);
}

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function generate(): Promise<{ pair: CryptoKeyPair; algorithm: DeviceKey['algorithm'] }> {
  try {
    return { pair: (await crypto.subtle.generateKey(ED25519, false, ['sign', 'verify'])) as CryptoKeyPair, algorithm: 'Ed25519' };
  } catch {
    // Browsers without Ed25519 in WebCrypto (older Safari, Chrome before 137).
    return { pair: await crypto.subtle.generateKey(P256, false, ['sign', 'verify']), algorithm: 'ECDSA-P256-SHA256' };
  }
}

/** Makes a member's key pair on this device, keeps it in IndexedDB, and returns what to enroll. */
export async function createDeviceKey(staffId: string): Promise<DeviceKey> {
  const { pair, algorithm } = await generate();
  const spki = await crypto.subtle.exportKey('spki', pair.publicKey);
  const key: DeviceKey = {
    staffId,
    keyId: hex(await crypto.subtle.digest('SHA-256', spki)),
    algorithm,
    privateKey: pair.privateKey,
    publicKeySpki: base64(spki),
    createdAt: new Date().toISOString(),
  };
  await surveyStore.saveKey(key);
  return key;
}

/** The fingerprint as people compare it aloud: the key id's first 32 hex digits in groups of four. */
export function fingerprint(keyId: string): string {
  return (keyId.slice(0, 32).toUpperCase().match(/.{4}/g) ?? []).join(' ');
}

/**
 * The bytes every member signs: the return as JSON goes over the wire (no undefined members),
 * serialised canonically (RFC 8785, the `canonicalize` library the hub uses too), in UTF-8.
 */
export function canonicalBytes(value: SurveyReturn): Uint8Array {
  return new TextEncoder().encode(canonicalize(JSON.parse(JSON.stringify(value))) as string);
}

export async function signWith(key: DeviceKey, bytes: Uint8Array): Promise<ReturnSignature> {
  const algorithm = key.algorithm === 'Ed25519' ? ED25519 : { name: 'ECDSA', hash: 'SHA-256' };
  // WebCrypto's ECDSA signature is already IEEE P1363 (r||s), the form the hub expects.
  const signature = await crypto.subtle.sign(algorithm, key.privateKey, bytes as BufferSource);
  return { keyId: key.keyId, algorithm: key.algorithm, signature: base64(signature) };
}

/** The return signed by each of the given members' keys on this device, in the order given. */
export async function signReturn(value: SurveyReturn, keys: DeviceKey[]): Promise<SignedReturn> {
  const plain = JSON.parse(JSON.stringify(value)) as SurveyReturn;
  const bytes = canonicalBytes(plain);
  const signatures: ReturnSignature[] = [];
  for (const key of keys) signatures.push(await signWith(key, bytes));
  return { return: plain, signatures };
}
