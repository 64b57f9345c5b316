import { Inject, Injectable } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { ClientCredentials, ClientRepository, isDatabaseUnavailable } from '@sanxian/persistence';
import { ExchangeError, NONCE_PATTERN, checkTimestamp, parseTimestamp, verifySignature } from '@sanxian/exchange';

export interface SignedRequest {
  method: string;
  pathWithQuery: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function header(req: SignedRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Verifies a signed request: client, timestamp window, signature (constant time), then the nonce,
 * so that forged requests cannot use up a real client's nonces. Nothing is stored before this passes.
 */
@Injectable()
export class ClientAuthService {
  constructor(
    private readonly clients: ClientRepository,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  /** The client, and when it signed (what a replaying hub keeps as the receipt time). */
  async authenticate(req: SignedRequest): Promise<ClientCredentials & { signedAt: Date }> {
    const clientId = header(req, 'x-hub-client');
    const timestamp = header(req, 'x-hub-timestamp');
    const nonce = header(req, 'x-hub-nonce');
    const signature = header(req, 'x-hub-signature');
    const missing = [
      ['X-Hub-Client', clientId], ['X-Hub-Timestamp', timestamp], ['X-Hub-Nonce', nonce], ['X-Hub-Signature', signature],
    ].filter(([, v]) => !v).map(([k]) => k);
    if (missing.length) throw new ExchangeError('missing-credentials', `missing header(s): ${missing.join(', ')}`);
    // Replaying history, a request may be signed long ago, but never ahead of the hub's clock.
    const stamp = this.config.replayReceiptTimes
      ? checkTimestamp(timestamp!, new Date(Math.min(Date.now(), parseTimestamp(timestamp!) ?? Date.now())), this.config.timestampWindowSeconds)
      : checkTimestamp(timestamp!, new Date(), this.config.timestampWindowSeconds);
    if (stamp === 'malformed') throw new ExchangeError('timestamp-malformed', `got ${JSON.stringify(timestamp)}`);
    if (stamp === 'expired') throw new ExchangeError('timestamp-expired', `allowed skew is ${this.config.timestampWindowSeconds} s; got ${timestamp}`);
    if (!NONCE_PATTERN.test(nonce!)) throw new ExchangeError('nonce-malformed');
    const client = await this.guard(() => this.clients.findCredentials(clientId!));
    if (!client) throw new ExchangeError('unknown-client', `no client ${JSON.stringify(clientId)}`);
    if (client.revoked) throw new ExchangeError('revoked-client');
    if (!verifySignature(client.secret, signature!, req.method, req.pathWithQuery, timestamp!, nonce!, req.body)) {
      throw new ExchangeError('signature-mismatch', 'sign METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nSHA256HEX(BODY) with HMAC-SHA256 and the client secret');
    }
    const fresh = await this.guard(() => this.clients.rememberNonce(client.id, nonce!));
    if (!fresh) throw new ExchangeError('nonce-replayed');
    return { ...client, signedAt: new Date(parseTimestamp(timestamp!)!) };
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw new ExchangeError('storage-unavailable', 'the database is unreachable', { 'Retry-After': '5' });
      throw error;
    }
  }
}
