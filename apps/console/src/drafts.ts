/**
 * What a user typed into a form, kept in this tab's session storage until it is saved, so that an
 * error, an expired session (sign in again, come back) or a reload loses nothing.
 */
export function loadDraft<T>(key: string): Partial<T> | undefined {
  try {
    const value = sessionStorage.getItem(`sanxian.draft.${key}`);
    return value ? (JSON.parse(value) as Partial<T>) : undefined;
  } catch {
    return undefined;
  }
}

export function saveDraft<T>(key: string, value: Partial<T>): void {
  sessionStorage.setItem(`sanxian.draft.${key}`, JSON.stringify(value));
}

export function clearDraft(key: string): void {
  sessionStorage.removeItem(`sanxian.draft.${key}`);
}

export function clearDrafts(): void {
  for (const key of Object.keys(sessionStorage)) if (key.startsWith('sanxian.draft.')) sessionStorage.removeItem(key);
}
