import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { StaffRole } from '@sanxian/domain';
import { hashPassword, verifyPassword } from '../password-hash';

export interface StaffUser {
  id: string;
  username: string;
  role: StaffRole;
  regionCode: string | null;
  createdAt: Date;
  disabledAt: Date | null;
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
  return { id: row.id, username: row.username, role: row.role, regionCode: row.region_code, createdAt: row.created_at, disabledAt: row.disabled_at };
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

  /** The user if the password is right and the account is enabled. */
  async authenticate(username: string, password: string): Promise<StaffUser | undefined> {
    const [row] = await this.db.query(`SELECT * FROM staff_user WHERE username = $1`, [username]);
    // Hash even for an unknown user, so response time does not tell which usernames exist.
    const ok = await verifyPassword(password, row?.password_hash ?? (await hashPassword('no such user')));
    return row && ok && !row.disabled_at ? toUser(row) : undefined;
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
