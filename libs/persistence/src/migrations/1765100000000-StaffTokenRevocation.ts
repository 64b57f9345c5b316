import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ending staff tokens before they expire: a per-user token generation (disabling a user, or any
 * later "sign out everywhere", raises it and every token of the older generation is refused) and
 * the ids of single tokens signed out. Both are read with the user on every request, by primary
 * key. Also the table rate-limiter-flexible keeps failed sign-ins in (its own layout).
 */
export class StaffTokenRevocation1765100000000 implements MigrationInterface {
  name = 'StaffTokenRevocation1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE staff_user ADD COLUMN token_generation integer NOT NULL DEFAULT 0`);
    await q.query(`
      CREATE TABLE staff_token_revocation (
        jti uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES staff_user (id),
        revoked_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE sign_in_throttle (
        key varchar(255) PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sign_in_throttle, staff_token_revocation`);
    await q.query(`ALTER TABLE staff_user DROP COLUMN token_generation`);
  }
}
