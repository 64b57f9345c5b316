import type { TokenResponse } from '@sanxian/api-types';

/** An answer other than 2xx: the RFC 9457 problem document's detail and field errors, if any. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors: { field: string; message: string }[] = [],
  ) {
    super(detail);
  }
}

/** The server could not be reached at all. */
export class NetworkError extends Error {}

const TOKEN_KEY = 'sanxian.session';

export interface StoredSession {
  token: string;
  expiresAt: string;
}

export function storedSession(): StoredSession | null {
  try {
    const value = JSON.parse(sessionStorage.getItem(TOKEN_KEY) ?? 'null') as StoredSession | null;
    return value && typeof value.token === 'string' ? value : null;
  } catch {
    return null;
  }
}

export function storeSession(session: StoredSession | null): void {
  if (session) sessionStorage.setItem(TOKEN_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** Called on a 401 for a signed-in request: the session is over (set by the session provider). */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
  signal?: AbortSignal;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const session = storedSession();
  const query = Object.entries(options.query ?? {}).filter(([, v]) => v !== undefined && v !== null && v !== '');
  const url = path + (query.length ? `?${new URLSearchParams(query.map(([k, v]) => [k, String(v)])).toString()}` : '');
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...(session ? { authorization: `Bearer ${session.token}` } : {}),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new NetworkError((error as Error).message);
  }
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const problem = (body ?? {}) as { detail?: string; title?: string; errors?: { field: string; message: string }[] };
    if (response.status === 401 && session) onUnauthorized();
    throw new ApiError(response.status, problem.detail ?? problem.title ?? response.statusText, problem.errors ?? []);
  }
  return body as T;
}

export function signIn(username: string, password: string): Promise<TokenResponse> {
  return api<TokenResponse>('/v1/auth/token', { method: 'POST', body: { username, password } });
}

/**
 * Downloads a file the API writes (a workbook, a CSV) with the session's token, and hands it to
 * the browser as a download under the name the API gives (Content-Disposition) or `fallbackName`.
 */
export async function downloadFile(path: string, query: RequestOptions['query'], fallbackName: string): Promise<string> {
  const session = storedSession();
  const entries = Object.entries(query ?? {}).filter(([, v]) => v !== undefined && v !== null && v !== '');
  const url = path + (entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}` : '');
  let response: Response;
  try {
    response = await fetch(url, { headers: session ? { authorization: `Bearer ${session.token}` } : {} });
  } catch (error) {
    throw new NetworkError((error as Error).message);
  }
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { detail?: string; title?: string; errors?: { field: string; message: string }[] };
    if (response.status === 401 && session) onUnauthorized();
    throw new ApiError(response.status, problem.detail ?? problem.title ?? response.statusText, problem.errors ?? []);
  }
  const fileName = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const href = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = href;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
  return fileName;
}
