import { Injectable } from '@nestjs/common';
import { surveySchemaIssues, type SurveyFieldIssue } from '@sanxian/contracts';
import { importVerifyKey, signingKeyId, type SigningAlgorithm } from '@sanxian/domain';
import { StaffRepository, SurveyReturnRepository, UnitOfWork, audit, type SigningKeyRecord, type StaffRef } from '@sanxian/persistence';

export type EnrollOutcome =
  | { outcome: 'invalid'; issues: SurveyFieldIssue[] }
  | { outcome: 'no-inspector'; staffId: string }
  | { outcome: 'enrolled' | 'already-enrolled'; key: SigningKeyRecord };

export type RevokeOutcome =
  | { outcome: 'invalid'; issues: SurveyFieldIssue[] }
  | { outcome: 'not-found' }
  | { outcome: 'already-revoked' }
  | { outcome: 'revoked'; key: SigningKeyRecord };

/**
 * Inspectors' signing keys: an admin enrolls the public half of a key an inspector made on their own
 * device, and revokes one that is lost or retired. Each action is audited in its own transaction.
 */
@Injectable()
export class SigningKeys {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly keys: SurveyReturnRepository,
    private readonly staffUsers: StaffRepository,
  ) {}

  async enroll(staffId: string, body: unknown, by: StaffRef | null): Promise<EnrollOutcome> {
    const issues = surveySchemaIssues('key-enrollment', body);
    if (issues.length) return { outcome: 'invalid', issues };
    const { algorithm, publicKey, label } = body as { algorithm: SigningAlgorithm; publicKey: string; label?: string };
    try {
      await importVerifyKey(publicKey, algorithm);
    } catch {
      return { outcome: 'invalid', issues: [{ field: '/publicKey', message: `is not an SPKI public key of ${algorithm}` }] };
    }
    const owner = /^[0-9a-f-]{36}$/i.test(staffId) ? await this.staffUsers.findEnabled(staffId) : undefined;
    if (!owner || owner.role !== 'inspector') return { outcome: 'no-inspector', staffId };
    const keyId = signingKeyId(Buffer.from(publicKey, 'base64'));
    const outcome = await this.unitOfWork.run(async (tx) => {
      const stored = await this.keys.enrollKey(tx, { keyId, staffId, algorithm, publicKey, label: label ?? null, enrolledBy: by?.id ?? null });
      if (stored === 'enrolled') await audit(tx, by ?? CLI, 'signing-key.enroll', `signing-key:${keyId}`, { staffId, username: owner.username, algorithm, label: label ?? null });
      return stored;
    });
    const key = (await this.keys.listKeys(staffId)).find((k) => k.keyId === keyId)!;
    return { outcome, key };
  }

  async revoke(keyId: string, body: unknown, by: StaffRef | null): Promise<RevokeOutcome> {
    const issues = surveySchemaIssues('key-revocation', body);
    if (issues.length) return { outcome: 'invalid', issues };
    const { reason } = body as { reason: string };
    const outcome = await this.unitOfWork.run(async (tx) => {
      const done = await this.keys.revokeKey(tx, keyId, reason, by?.id ?? null);
      if (done === 'revoked') await audit(tx, by ?? CLI, 'signing-key.revoke', `signing-key:${keyId}`, { reason });
      return done;
    });
    if (outcome !== 'revoked') return { outcome };
    return { outcome, key: (await this.keys.listKeys()).find((k) => k.keyId === keyId)! };
  }

  list(staffId?: string): Promise<SigningKeyRecord[]> {
    return this.keys.listKeys(staffId);
  }
}

/** The actor of a command run on the hub's own machine (`sanxian users keys …`): no staff account, so the audit row's user_id is null. */
const CLI = { id: null, username: 'cli' } as unknown as StaffRef;
