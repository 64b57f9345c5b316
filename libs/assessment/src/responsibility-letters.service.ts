import { Injectable } from '@nestjs/common';
import { letterContent, type LetterContent } from '@sanxian/domain';
import { ResponsibilityLetterRepository, type StoredLetter } from '@sanxian/persistence';
import { AssessmentService } from './assessment.service';
import { responsibilityLetterDocx } from './responsibility-letter-docx';

export class UnknownUnitError extends Error {}

export interface LetterRequest {
  unitId: string;
  responsible: { name: string; post: string };
  signedOn: string;
}

/**
 * Responsibility letters (责任书): each unit's letter for the year, its targets taken from the
 * year's current plan and stored with that plan version, so a later version never rewrites what
 * was signed. Recording a unit's letter again supersedes the earlier one (append-only).
 */
@Injectable()
export class ResponsibilityLetters {
  constructor(
    private readonly assessment: AssessmentService,
    private readonly letters: ResponsibilityLetterRepository,
  ) {}

  async record(year: number, request: LetterRequest, staffId: string | null): Promise<StoredLetter> {
    const { stored, plan } = await this.assessment.planFor(year);
    const content = letterContent(plan, request.unitId);
    if (content === undefined) throw new UnknownUnitError(`plan ${plan.id} v${stored.version} has no unit ${request.unitId}`);
    return this.letters.record({ year, planId: plan.id, planVersion: stored.version, unitId: request.unitId, responsible: request.responsible, signedOn: request.signedOn, content, recordedBy: staffId });
  }

  current(year: number, unitId: string): Promise<StoredLetter | undefined> {
    return this.letters.current(year, unitId);
  }

  list(year: number): Promise<StoredLetter[]> {
    return this.letters.currentLetters(year);
  }

  /** The letter as a .docx document. */
  docx(letter: StoredLetter): Promise<Buffer> {
    return responsibilityLetterDocx({ content: letter.content as LetterContent, responsible: letter.responsible, signedOn: letter.signedOn });
  }
}
