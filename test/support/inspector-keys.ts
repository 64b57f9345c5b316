import { webcrypto } from 'node:crypto';
import { signingKeyId, signReturn, type SignedReturn, type SigningAlgorithm, type SurveyReturn } from '@sanxian/domain';

/** An inspector's key as their device makes it: WebCrypto, the private key not extractable; only the public half leaves. */
export interface DeviceKey {
  keyId: string;
  algorithm: SigningAlgorithm;
  /** SPKI DER, base64: what an admin enrolls. */
  publicKey: string;
  privateKey: webcrypto.CryptoKey;
}

export async function deviceKey(algorithm: SigningAlgorithm = 'Ed25519'): Promise<DeviceKey> {
  const params = algorithm === 'Ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' };
  const pair = (await webcrypto.subtle.generateKey(params, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const spki = new Uint8Array(await webcrypto.subtle.exportKey('spki', pair.publicKey));
  return { keyId: signingKeyId(spki), algorithm, publicKey: Buffer.from(spki).toString('base64'), privateKey: pair.privateKey };
}

/** A return signed by each of the keys, as the team does on the device before it syncs. */
export async function signedBy(survey: SurveyReturn, ...keys: DeviceKey[]): Promise<SignedReturn> {
  return { return: survey, signatures: await Promise.all(keys.map((k) => signReturn(survey, k.keyId, k.algorithm, k.privateKey))) };
}
