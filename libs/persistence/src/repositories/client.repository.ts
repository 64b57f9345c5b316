import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Agency } from '@sanxian/contracts';
import { DatabaseUnavailableError } from '../database-errors';
import { SecretBox } from '../secret-box';

export interface ClientSummary {
  id: string;
  agency: Agency;
  name: string;
  createdAt: Date;
  revokedAt: Date | null;
  messages: number;
}

export interface ClientCredentials {
  id: string;
  agency: Agency;
  revoked: boolean;
  secret: string;
}

export const SECRET_BOX = Symbol('SECRET_BOX');

@Injectable()
export class ClientRepository {
  constructor(
    private readonly db: DataSource,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
  ) {}

  /** Creates a client; the secret is returned here once and only kept encrypted. */
  async create(agency: Agency, name: string): Promise<{ clientId: string; secret: string }> {
    const clientId = `${agency.split('-').map((w) => w[0]).join('')}-${randomBytes(6).toString('hex')}`;
    const secret = randomBytes(32).toString('base64url');
    await this.db.query('INSERT INTO exchange_client (id, agency, name, secret_ciphertext) VALUES ($1, $2, $3, $4)', [
      clientId,
      agency,
      name,
      this.secrets.seal(secret),
    ]);
    return { clientId, secret };
  }

  async list(): Promise<ClientSummary[]> {
    const rows = await this.db.query(`
      SELECT c.id, c.agency, c.name, c.created_at, c.revoked_at, c.chain_seq
      FROM exchange_client c ORDER BY c.created_at`);
    return rows.map((r: Record<string, unknown>) => ({
      id: r.id as string,
      agency: r.agency as Agency,
      name: r.name as string,
      createdAt: r.created_at as Date,
      revokedAt: (r.revoked_at as Date | null) ?? null,
      messages: Number(r.chain_seq),
    }));
  }

  /** Returns false when no such client exists; revoking twice is harmless. */
  async revoke(clientId: string): Promise<boolean> {
    const [, count] = await this.db.query('UPDATE exchange_client SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1', [clientId]);
    return Number(count) > 0;
  }

  async findCredentials(clientId: string): Promise<ClientCredentials | undefined> {
    if (!this.db.isInitialized) throw new DatabaseUnavailableError('not connected to PostgreSQL yet');
    const rows = await this.db.query('SELECT id, agency, revoked_at, secret_ciphertext FROM exchange_client WHERE id = $1', [clientId]);
    const row = rows[0];
    if (!row) return undefined;
    return { id: row.id, agency: row.agency, revoked: row.revoked_at !== null, secret: this.secrets.open(row.secret_ciphertext) };
  }

  /** Records a nonce; false when it was already seen (a replay). */
  async rememberNonce(clientId: string, nonce: string): Promise<boolean> {
    const rows = await this.db.query(
      'INSERT INTO exchange_nonce (client_id, nonce) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1',
      [clientId, nonce],
    );
    return rows.length === 1;
  }

  async forgetNoncesOlderThan(seconds: number): Promise<number> {
    const [, count] = await this.db.query(`DELETE FROM exchange_nonce WHERE seen_at < now() - make_interval(secs => $1)`, [seconds]);
    return Number(count ?? 0);
  }
}
