/** RFC 9457 problem details, the shape of every request-level error. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_BASE = 'https://schemas.sanxian-hub.cn/problems/';

export function problem(status: number, code: string, title: string, detail?: string, extra: Record<string, unknown> = {}): ProblemDocument {
  return { type: PROBLEM_BASE + code, title, status, code, ...(detail ? { detail } : {}), ...extra };
}
