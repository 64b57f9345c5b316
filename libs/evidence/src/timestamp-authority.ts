import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { type CheckpointTimestamp, type SignedCheckpoint, canonicalCheckpoint } from '@sanxian/domain';

/**
 * RFC 3161 timestamps of checkpoints (pkijs): a timestamp authority signs that a checkpoint's hash existed
 * at a time, so a checkpoint cannot be written later and dated earlier, even by someone holding the
 * checkpoint key. The token is kept beside the checkpoint, as the TSA sent it.
 */

const SHA256 = '2.16.840.1.101.3.4.2.1';
const TST_INFO = '1.2.840.113549.1.9.16.1.4';

function tstInfoOf(token: pkijs.ContentInfo): { signed: pkijs.SignedData; info: pkijs.TSTInfo } {
  if (token.contentType !== pkijs.ContentInfo.SIGNED_DATA) throw new Error('the token is not CMS signed data');
  const signed = new pkijs.SignedData({ schema: token.content });
  if (signed.encapContentInfo.eContentType !== TST_INFO || !signed.encapContentInfo.eContent) throw new Error('the token holds no TSTInfo');
  return { signed, info: pkijs.TSTInfo.fromBER(signed.encapContentInfo.eContent.getValue()) };
}

function imprintOf(info: pkijs.TSTInfo): string {
  if (info.messageImprint.hashAlgorithm.algorithmId !== SHA256) throw new Error(`the token's imprint is not SHA-256 (${info.messageImprint.hashAlgorithm.algorithmId})`);
  return Buffer.from(info.messageImprint.hashedMessage.valueBlock.valueHexView).toString('hex');
}

/** Asks the TSA at `url` to timestamp a SHA-256 (hex); checks that the token is for it and answers our nonce. */
export async function requestTimestamp(url: string, sha256Hex: string): Promise<CheckpointTimestamp> {
  const nonce = randomBytes(8);
  nonce[0] &= 0x7f; // a positive INTEGER
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA256 }),
      hashedMessage: new asn1js.OctetString({ valueHex: Buffer.from(sha256Hex, 'hex') }),
    }),
    nonce: new asn1js.Integer({ valueHex: nonce }),
    certReq: true,
  });
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/timestamp-query' },
    body: Buffer.from(request.toSchema().toBER()),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const reply = pkijs.TimeStampResp.fromBER(await response.arrayBuffer());
  const status = reply.status.status;
  if (status !== pkijs.PKIStatus.granted && status !== pkijs.PKIStatus.grantedWithMods) throw new Error(`the TSA refused (status ${status})`);
  if (!reply.timeStampToken) throw new Error('the TSA sent no token');
  const { info } = tstInfoOf(reply.timeStampToken);
  if (imprintOf(info) !== sha256Hex) throw new Error("the token is for another hash than the checkpoint's");
  if (!info.nonce || Buffer.compare(Buffer.from(info.nonce.valueBlock.valueHexView), nonce) !== 0) throw new Error('the token does not answer our nonce');
  return { tsa: url, genTime: info.genTime.toISOString(), token: Buffer.from(reply.timeStampToken.toSchema().toBER()).toString('base64') };
}

/**
 * Why a stored token does not vouch for the checkpoint hash, or undefined: its imprint must be the hash, its
 * time the one recorded, and its signature must verify with the certificate it carries. Whether that
 * certificate is the TSA's is for the auditor's trust anchor (`openssl ts -verify -CAfile`).
 */
export async function timestampProblem(timestamp: CheckpointTimestamp, checkpoint: SignedCheckpoint): Promise<string | undefined> {
  const sha256Hex = checkpoint.hash;
  try {
    const token = pkijs.ContentInfo.fromBER(Buffer.from(timestamp.token, 'base64'));
    const { signed, info } = tstInfoOf(token);
    if (imprintOf(info) !== sha256Hex) return "its RFC 3161 timestamp is for another hash than the checkpoint's";
    if (info.genTime.toISOString() !== timestamp.genTime) return `its RFC 3161 timestamp says ${info.genTime.toISOString()}, not ${timestamp.genTime}`;
    // The data the imprint is of: the checkpoint's canonical bytes (pkijs hashes them again for a TSTInfo).
    const bytes = canonicalCheckpoint(checkpoint.checkpoint);
    const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const verified = await signed.verify({ signer: 0, data, checkChain: false, extendedMode: true });
    return verified.signatureVerified ? undefined : "its RFC 3161 timestamp's signature does not verify";
  } catch (error) {
    return `its RFC 3161 timestamp cannot be read: ${(error as Error).message}`;
  }
}
