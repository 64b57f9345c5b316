/**
 * A hub's open discrepancies (never spot-check findings) as comparable text, message ids replaced by
 * their record ids (each hub gives its own message ids): two hubs fed the same records and
 * reconciled in different ways must give equal snapshots.
 */
export async function openDiscrepancySnapshot(sql: (query: string, params?: unknown[]) => Promise<any[]>): Promise<string[]> {
  const messages = new Map((await sql(`SELECT id, record_id FROM inbound_message`)).map((m) => [m.id as string, m.record_id as string]));
  const rows = await sql(
    `SELECT key, kind, status, township_code, region_code, card_id, subject_name, subject, agency_value, registry_value, evidence, due_at, scope_key LIKE 'card:%' AS card_scope
     FROM discrepancy WHERE status = 'open' AND kind <> 'spot-check-finding' ORDER BY key`,
  );
  return rows.map((row) => JSON.stringify(row).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => messages.get(id) ?? id)).sort();
}
