import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { StaffRole } from '@sanxian/domain';
import { hashPassword } from '../password-hash';
import { returning } from '../returning';

export interface StaffUser {
  id: string;
  username: string;
  role: StaffRole;
  regionCode: string | null;
  createdAt: Date;
  disabledAt: Date | null;
  /** Tokens carry it; raising it (disabling the user) ends every token signed before. */
  tokenGeneration: number;
}

/** A user as sign-in sees them: with the stored password hash. */
export interface StaffCredentials extends StaffUser {
  passwordHash: string;
}

/** A user as a directory lists them. */
export interface StaffDirectoryEntry {
  id: string;
  username: string;
  role: StaffRole;
  regionCode: string | null;
}

export interface AuditEntry {
  userId: string | null;
  username: string | null;
  action: string;
  target?: string;
  detail?: Record<string, unknown>;
}

function toUser(row: Record<string, any>): StaffUser {
  return {
    id: row.id, username: row.username, role: row.role, regionCode: row.region_code, createdAt: row.created_at, disabledAt: row.disabled_at,
    tokenGeneration: row.token_generation,
  };
}

@Injectable()
export class StaffRepository {
  constructor(private readonly db: DataSource) {}

  async create(username: string, password: string, role: StaffRole, regionCode: string | null): Promise<StaffUser> {
    const [row] = await this.db.query(
      `INSERT INTO staff_user (id, username, password_hash, role, region_code) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [randomUUID(), username, await hashPassword(password), role, regionCode],
    );
    return toUser(row);
  }

  async list(): Promise<StaffUser[]> {
    return (await this.db.query(`SELECT * FROM staff_user ORDER BY username`)).map(toUser);
  }

  /**
   * Enabled users for a directory (the assignee picker): id, username, role and region, never the
   * password hash. `regionCode` keeps the users whose region lies inside it (a township's users for
   * its code; county-wide users have none).
   */
  async directory(filter: { role?: StaffRole; regionCode?: string } = {}): Promise<StaffDirectoryEntry[]> {
    const rows = await this.db.query(
      `SELECT id, username, role, region_code FROM staff_user
       WHERE disabled_at IS NULL AND ($1::text IS NULL OR role = $1) AND ($2::text IS NULL OR starts_with(region_code, $2))
       ORDER BY username`,
      [filter.role ?? null, filter.regionCode ?? null],
    );
    return rows.map((r: Record<string, any>) => ({ id: r.id, username: r.username, role: r.role, regionCode: r.region_code }));
  }

  /** The user of a username, with the password hash to check (sign-in); undefined if unknown. */
  async findCredentials(username: string): Promise<StaffCredentials | undefined> {
    const [row] = await this.db.query(`SELECT * FROM staff_user WHERE username = $1`, [username]);
    return row ? { ...toUser(row), passwordHash: row.password_hash } : undefined;
  }

  /**
   * The enabled user a token names, if the token still holds: of the user's current generation and
   * not signed out. One look-up by primary key per request.
   */
  async findTokenHolder(userId: string, jti: string, generation: number): Promise<StaffUser | undefined> {
    const [row] = await this.db.query(
      `SELECT u.* FROM staff_user u
       WHERE u.id = $1 AND u.disabled_at IS NULL AND u.token_generation = $3
         AND NOT EXISTS (SELECT 1 FROM staff_token_revocation r WHERE r.jti = $2)`,
      [userId, jti, generation],
    );
    return row ? toUser(row) : undefined;
  }

  /** Ends one token (sign-out); signing out twice is harmless. */
  async revokeToken(jti: string, userId: string, expiresAt: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO staff_token_revocation (jti, user_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING`,
      [jti, userId, expiresAt],
    );
  }

  /**
   * Forgets the sign-outs of tokens that have expired anyway (a token past its `exp` is refused by its
   * signature check, revoked or not), a few minutes late for clocks that disagree. Not evidence: the audit
   * log keeps every sign-out. Answers how many were deleted.
   */
  async pruneRevocations(): Promise<number> {
    const deleted = await returning(this.db, `DELETE FROM staff_token_revocation WHERE expires_at < now() - interval '5 minutes' RETURNING 1`, []);
    return deleted.length;
  }

  /** Disables a user and ends every token they hold; undefined if there is no such user. */
  async disable(username: string): Promise<StaffUser | undefined> {
    // TypeORM answers an UPDATE with [rows, count].
    const [[row]] = await this.db.query(
      `UPDATE staff_user SET disabled_at = coalesce(disabled_at, now()), token_generation = token_generation + 1
       WHERE username = $1 RETURNING *`,
      [username],
    );
    return row ? toUser(row) : undefined;
  }

  /** Enables a disabled user again (tokens from before stay ended); undefined if there is no such user. */
  async enable(username: string): Promise<StaffUser | undefined> {
    const [[row]] = await this.db.query(`UPDATE staff_user SET disabled_at = NULL WHERE username = $1 RETURNING *`, [username]);
    return row ? toUser(row) : undefined;
  }

  async findEnabled(id: string): Promise<StaffUser | undefined> {
    const [row] = await this.db.query(`SELECT * FROM staff_user WHERE id = $1 AND disabled_at IS NULL`, [id]);
    return row ? toUser(row) : undefined;
  }

  async audit(entry: AuditEntry): Promise<void> {
    await this.db.query(`INSERT INTO audit_log (user_id, username, action, target, detail) VALUES ($1, $2, $3, $4, $5)`, [
      entry.userId, entry.username, entry.action, entry.target ?? null, entry.detail ? JSON.stringify(entry.detail) : null,
    ]);
  }
}
