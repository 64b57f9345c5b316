import { Inject, Injectable } from '@nestjs/common';
import { HUB_CONFIG, HubConfig, KIND_PATH, type RecordIssue, type RecordKind } from '@sanxian/contracts';
import { crossesCounty, verificationDueDate, type RegionScope } from '@sanxian/domain';
import { type AuthenticatedClient, IntakeService } from '@sanxian/intake';
import {
  DiscrepancyRepository, ReceiptRepository, UnitOfWork, VerificationRepository, audit,
  type DiscrepancyStatus, type StaffRef, type VerificationRequestRow,
} from '@sanxian/persistence';
import { todayInChina } from '@sanxian/reconciliation';
import type { VerificationAnswerBody } from './verification-answer-validator';

export interface RequestInput {
  question: string;
  /** The record asked about: one of the discrepancy's evidence messages; unset: its only agency record. */
  messageId?: string;
  /** Unset: whether the record names a region outside the county. */
  crossCounty?: boolean;
}

export type RequestOutcome =
  | { outcome: 'not-found' }
  | { outcome: 'not-open'; status: DiscrepancyStatus }
  | { outcome: 'not-evidence'; messageId: string }
  | { outcome: 'choose-record'; candidates: string[] }
  | { outcome: 'sent'; request: VerificationRequestRow };

export type AnswerOutcome =
  | { outcome: 'not-found' }
  | { outcome: 'record-rejected'; errors: RecordIssue[] }
  | { outcome: 'record-unchanged'; messageId: string }
  | { outcome: 'answered'; request: VerificationRequestRow; duplicate: boolean };

/**
 * Verification requests (协查): FP staff ask the agency behind a discrepancy's record to check it;
 * the agency's system answers through the exchange, with a corrected record (taken in by intake
 * like any delivery, so it is logged, processed and reconciled) or a confirmation. Requests and
 * answers are append-only rows, each written with its audit entry in one transaction.
 */
@Injectable()
export class VerificationWorkflow {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly discrepancies: DiscrepancyRepository,
    private readonly requests: VerificationRepository,
    private readonly receipts: ReceiptRepository,
    private readonly intake: IntakeService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  /**
   * Sends a request about an open discrepancy in the scope to the client that sent the record
   * asked about, due 15 (or, across the county's border, 30) calendar days from today in China;
   * the client is told by a `verification-requested` receipt on that record.
   */
  async request(scope: RegionScope, discrepancyId: string, input: RequestInput, staff: StaffRef): Promise<RequestOutcome> {
    return this.unitOfWork.run(async (tx): Promise<RequestOutcome> => {
      const locked = await this.discrepancies.lockInScope(tx, scope, discrepancyId);
      if (!locked) return { outcome: 'not-found' };
      if (locked.status !== 'open') return { outcome: 'not-open', status: locked.status };
      const evidence = await this.discrepancies.evidenceMessages(locked.messageIds);
      let message;
      if (input.messageId !== undefined) {
        message = evidence.find((m) => m.messageId === input.messageId?.toLowerCase());
        if (!message) return { outcome: 'not-evidence', messageId: input.messageId };
      } else {
        const agencies = evidence.filter((m) => m.agency !== 'family-planning');
        if (agencies.length !== 1) return { outcome: 'choose-record', candidates: evidence.map((m) => m.messageId) };
        message = agencies[0];
      }
      // A record whose client is gone has nobody to ask.
      if (message.agency === null) return { outcome: 'not-evidence', messageId: message.messageId };
      const requestedOn = todayInChina();
      const crossCounty = input.crossCounty ?? crossesCounty(message.record, locked.townshipCode);
      const dueAt = verificationDueDate(requestedOn, crossCounty, this.config.verificationDueDays);
      const request = await this.requests.create(tx, {
        discrepancyId, townshipCode: locked.townshipCode, clientId: message.clientId, agency: message.agency, messageId: message.messageId,
        recordId: message.recordId, kind: message.kind, question: input.question, crossCounty, requestedOn, dueAt, requestedBy: staff,
      });
      await this.receipts.addForMessages(tx, [message.messageId], 'verification-requested', { requestId: request.id, discrepancyId, dueAt }, { agencyOnly: false });
      await audit(tx, staff, 'verification.request', discrepancyId, {
        requestId: request.id, messageId: message.messageId, recordId: message.recordId, agency: message.agency, question: input.question, crossCounty, dueAt,
      });
      return { outcome: 'sent', request };
    });
  }

  /**
   * The client's answer to one of its requests. The first answer stands: answering again changes
   * nothing and answers the stored one (`duplicate`). A corrected record is delivered through intake
   * before the answer row is written (refused records leave nothing behind); the record first sent,
   * sent again unchanged, is not a correction.
   */
  async answer(client: AuthenticatedClient, requestId: string, body: VerificationAnswerBody): Promise<AnswerOutcome> {
    const request = await this.requests.findForClient(client.id, requestId);
    if (!request) return { outcome: 'not-found' };
    if (request.answer) return { outcome: 'answered', request, duplicate: true };

    let corrected: { messageId: string; recordId: string } | null = null;
    if (body.answer === 'corrected') {
      const kind = request.kind as RecordKind;
      const delivered = await this.intake.intakeAs(client, kind, {
        pathWithQuery: `/v1/exchange/${KIND_PATH[kind]}`,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ records: [body.record] })),
      });
      const [result] = delivered.results;
      if (result.status === 'rejected') return { outcome: 'record-rejected', errors: result.errors.map((e) => ({ ...e, path: `/record${e.path}` })) };
      if (result.messageId === request.messageId) return { outcome: 'record-unchanged', messageId: result.messageId };
      corrected = { messageId: result.messageId, recordId: String(result.recordId) };
    }

    return this.unitOfWork.run(async (tx): Promise<AnswerOutcome> => {
      const locked = await this.requests.lockForAnswer(tx, client.id, requestId);
      if (!locked) return { outcome: 'not-found' };
      // Another answer got in first, while the record was being delivered: it stands.
      if (locked.answer) return { outcome: 'answered', request: locked, duplicate: true };
      const answer = { answer: body.answer, comment: body.comment ?? null, messageId: corrected?.messageId ?? null, recordId: corrected?.recordId ?? null };
      await this.requests.addAnswer(tx, requestId, client.id, answer);
      await this.requests.auditClient(tx, client.id, 'verification.answer', locked.discrepancyId, { requestId, agency: client.agency, ...answer });
      return { outcome: 'answered', request: (await this.requests.lockForAnswer(tx, client.id, requestId))!, duplicate: false };
    });
  }
}
