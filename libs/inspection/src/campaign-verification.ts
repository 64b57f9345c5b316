import { verifyCampaignRecord, type CampaignPublicRecord, type CampaignVerification } from '@sanxian/domain';
import { GENESIS_HASH, type MessageLogRepository } from '@sanxian/persistence';

/**
 * Verifies a public record (verifyCampaignRecord) and, against this hub's message log, that the
 * chain heads each draw recorded are really heads the log had: the row at each recorded sequence
 * has the recorded hash (a client with no message yet has the genesis hash). So the public value
 * came from the log, not from whoever drew.
 */
export async function verifyAgainstLog(log: MessageLogRepository, record: CampaignPublicRecord): Promise<CampaignVerification> {
  const result = verifyCampaignRecord(record);
  const pairs = record.draws.flatMap((d) => d.logHeads.filter((h) => h.lastSeq !== '0').map((h) => ({ clientId: h.clientId, seq: h.lastSeq })));
  const rows = new Map((await log.rowsAt(pairs)).map((r) => [`${r.clientId}:${r.seq}`, r.rowHash]));
  const draws = result.draws.map((check) => {
    const draw = record.draws.find((d) => d.id === check.id)!;
    const missing = draw.logHeads.filter((h) => (h.lastSeq === '0' ? h.headHash !== GENESIS_HASH : rows.get(`${h.clientId}:${h.lastSeq}`) !== h.headHash));
    if (!check.matches || !missing.length) return check;
    return { ...check, matches: false, problem: `the recorded chain head of client ${missing[0].clientId} at seq ${missing[0].lastSeq} is not in the message log` };
  });
  return { ...result, ok: result.ok && draws.every((d) => d.matches), draws };
}
