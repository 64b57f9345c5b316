import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signatureProblems, signingKeyId, type EnrolledKey, type SignedReturn } from '@sanxian/domain';
import { schemaRoot } from './schema-root';
import { surveySchemaIssues, type SurveySchemaName } from './survey-validator';

const EXAMPLES = join(schemaRoot(), 'survey', 'examples');
const read = (...parts: string[]) => JSON.parse(readFileSync(join(EXAMPLES, ...parts), 'utf8')) as unknown;
const files = (name: string, kind: 'valid' | 'invalid') => readdirSync(join(EXAMPLES, name, kind)).filter((f) => f.endsWith('.json')).sort();

describe.each(['signed-return', 'key-enrollment', 'key-revocation'] as SurveySchemaName[])('schemas/survey/%s examples', (name) => {
  it('has valid and invalid examples', () => {
    expect(files(name, 'valid').length).toBeGreaterThanOrEqual(1);
    expect(files(name, 'invalid').length).toBeGreaterThanOrEqual(2);
  });

  it.each(files(name, 'valid'))('accepts valid/%s', (file) => {
    expect(surveySchemaIssues(name, read(name, 'valid', file))).toEqual([]);
  });

  it.each(files(name, 'invalid'))('refuses invalid/%s, naming a field', (file) => {
    const issues = surveySchemaIssues(name, read(name, 'invalid', file));
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) expect(issue.field).toMatch(/^(body|\/.*)$/);
  });
});

describe('surveySchemaIssues', () => {
  it('names the field that is wrong', () => {
    expect(surveySchemaIssues('signed-return', read('signed-return', 'invalid', 'not-checked-without-reason.json'))).toEqual([{ field: '/return/groups/1/reason', message: 'is required' }]);
    expect(surveySchemaIssues('signed-return', read('signed-return', 'invalid', 'checked-item-without-value.json'))).toEqual([
      { field: '/return/groups/0/households/0/persons/0/items/0/value', message: 'is required' },
    ]);
    expect(surveySchemaIssues('key-enrollment', read('key-enrollment', 'invalid', 'private-key-field.json'))).toEqual([{ field: '/privateKey', message: 'is not a field of this document' }]);
    expect(surveySchemaIssues('key-enrollment', [])).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
  });

  it('has valid signed examples whose signatures verify against the enrolled examples', async () => {
    const keys = new Map<string, EnrolledKey>();
    for (const [file, staffId] of [['leader-ed25519.json', 'leader'], ['member-p256.json', 'member']]) {
      const body = read('key-enrollment', 'valid', file) as { algorithm: EnrolledKey['algorithm']; publicKey: string };
      const keyId = signingKeyId(Buffer.from(body.publicKey, 'base64'));
      keys.set(keyId, { keyId, staffId, algorithm: body.algorithm, publicKey: body.publicKey });
    }
    for (const file of files('signed-return', 'valid')) {
      expect(await signatureProblems(read('signed-return', 'valid', file) as SignedReturn, keys)).toEqual([]);
    }
  });
});
