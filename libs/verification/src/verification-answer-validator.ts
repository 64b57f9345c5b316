import * as fs from 'node:fs';
import * as path from 'node:path';
import { Injectable } from '@nestjs/common';
import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject } from 'ajv';
import { schemaRoot } from '@sanxian/contracts';
import type { VerificationAnswerKind } from '@sanxian/domain';

/** An answer's body as schemas/exchange/verification/verification-answer.schema.json admits it. */
export interface VerificationAnswerBody {
  answer: VerificationAnswerKind;
  record?: Record<string, unknown>;
  comment?: string;
}

export interface AnswerIssue {
  path: string;
  code: string;
  message: string;
}

export type CheckedAnswer = { ok: true; body: VerificationAnswerBody } | { ok: false; errors: AnswerIssue[] };

/** Checks an answer's JSON body by its schema (compiled once); each issue names its JSON Pointer path. */
@Injectable()
export class VerificationAnswerValidator {
  private readonly validate = (() => {
    const file = path.join(schemaRoot(), 'exchange', 'verification', 'verification-answer.schema.json');
    // strictRequired off: the if/then branches require fields the top level defines.
    return new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).compile(JSON.parse(fs.readFileSync(file, 'utf8')) as object);
  })();

  check(body: Buffer): CheckedAnswer {
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      return { ok: false, errors: [{ path: '', code: 'invalid-json', message: 'the body is not JSON: send {"answer": …}' }] };
    }
    if (this.validate(value)) return { ok: true, body: value as unknown as VerificationAnswerBody };
    return { ok: false, errors: issues(this.validate.errors ?? []) };
  }
}

function issues(errors: readonly ErrorObject[]): AnswerIssue[] {
  const found = new Map<string, AnswerIssue>();
  for (const error of errors) {
    if (error.keyword === 'if' || error.keyword === 'allOf') continue;
    const params = error.params as Record<string, unknown>;
    const at =
      error.keyword === 'required' ? `${error.instancePath}/${String(params.missingProperty)}`
      : error.keyword === 'additionalProperties' ? `${error.instancePath}/${String(params.additionalProperty)}`
      : error.keyword === 'not' ? `${error.instancePath}/record`
      : error.instancePath;
    const message =
      error.keyword === 'required' ? 'is required with this answer'
      : error.keyword === 'additionalProperties' ? 'is not a field of an answer'
      : error.keyword === 'not' ? 'a confirmation carries no record'
      : error.keyword === 'pattern' ? 'must not be blank'
      : error.message ?? 'is invalid';
    if (!found.has(at)) found.set(at, { path: at, code: error.keyword === 'not' ? 'unknown-field' : error.keyword, message });
  }
  return [...found.values()];
}
