import type { QueryRunner } from 'typeorm';

/** A table whose citizen ids and names are sealed, and how its rows are keyed for paging through them. */
export interface SealedTable {
  table: string;
  key: { column: string; type: string }[];
  citizenId: string;
  name: string;
  hash: string;
}

export const SEALED_TABLES: SealedTable[] = [
  { table: 'canonical_fact', key: [{ column: 'id', type: 'bigint' }], citizenId: 'citizen_id', name: 'name', hash: 'citizen_id_hash' },
  {
    table: 'registry_card_version', key: [{ column: 'card_id', type: 'text' }, { column: 'version', type: 'int' }],
    citizenId: 'woman_citizen_id', name: 'woman_name', hash: 'woman_citizen_id_hash',
  },
  { table: 'registry_woman', key: [{ column: 'card_id', type: 'text' }], citizenId: 'citizen_id', name: 'name', hash: 'citizen_id_hash' },
  { table: 'registry_husband', key: [{ column: 'card_id', type: 'text' }], citizenId: 'citizen_id', name: 'name', hash: 'citizen_id_hash' },
  {
    table: 'registry_child', key: [{ column: 'card_id', type: 'text' }, { column: 'ordinal', type: 'smallint' }],
    citizenId: 'citizen_id', name: 'name', hash: 'citizen_id_hash',
  },
];

const PAGE = 5000;

/** A rewrite of one row's citizen id and name: the values to store, and the id's keyed hash. */
export type PersonalDataChange = (citizenId: string | null, name: string | null) => [string | null, string | null, string | null];

/**
 * Rewrites the citizen id, name and id hash of every row that has an id or a name, in every table that
 * seals them, a page at a time in key order, in the caller's transaction: the sealing migration (clear →
 * sealed) and key rotation (sealed under the old key → under the new) are this one pass. Answers the rows rewritten.
 */
export async function rewritePersonalData(q: QueryRunner, change: PersonalDataChange): Promise<number> {
  let rewritten = 0;
  for (const t of SEALED_TABLES) rewritten += await rewriteTable(q, t, change);
  return rewritten;
}

async function rewriteTable(q: QueryRunner, t: SealedTable, change: PersonalDataChange): Promise<number> {
  const keys = t.key.map((k) => k.column);
  const keyList = keys.join(', ');
  let after: unknown[] | undefined;
  let rewritten = 0;
  for (;;) {
    const rows: Record<string, any>[] = await q.query(
      `SELECT ${keyList}, ${t.citizenId} AS citizen_id, ${t.name} AS name FROM ${t.table}
       WHERE (${t.citizenId} IS NOT NULL OR ${t.name} IS NOT NULL) ${after ? `AND (${keyList}) > (${keys.map((_, i) => `$${i + 1}`).join(', ')})` : ''}
       ORDER BY ${keyList} LIMIT ${PAGE}`,
      after ?? [],
    );
    if (!rows.length) return rewritten;
    const changed = rows.map((r) => change(r.citizen_id, r.name));
    const columns = [...t.key.map((k) => rows.map((r) => r[k.column])), changed.map((c) => c[0]), changed.map((c) => c[1]), changed.map((c) => c[2])];
    const types = [...t.key.map((k, i) => `$${i + 1}::${k.type}[]`), ...[0, 1, 2].map((i) => `$${t.key.length + i + 1}::text[]`)];
    await q.query(
      `UPDATE ${t.table} t SET ${t.citizenId} = s.citizen_id, ${t.name} = s.name, ${t.hash} = s.hash
       FROM unnest(${types.join(', ')}) AS s(${keyList}, citizen_id, name, hash)
       WHERE ${keys.map((k) => `t.${k} = s.${k}`).join(' AND ')}`,
      columns,
    );
    rewritten += rows.length;
    after = keys.map((k) => rows[rows.length - 1][k]);
  }
}
