import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/api-client';
import type { Page } from '@sanxian/api-types';

export interface CursorList<T> {
  items: T[];
  /** More pages follow. */
  hasMore: boolean;
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  loadMore(): void;
  reload(): void;
}

/**
 * A keyset-paged list: the first page when the query changes, the next on demand, appended. Only
 * what has been fetched is held; the table that shows it renders the visible rows only.
 */
export function useCursorList<T>(path: string, query: Record<string, string | undefined>, pageSize: number): CursorList<T> {
  const key = JSON.stringify([path, query]);
  const [state, setState] = useState<{ key: string; items: T[]; cursor: string | null; loading: boolean; loadingMore: boolean; error: unknown }>({
    key: '', items: [], cursor: null, loading: true, loadingMore: false, error: null,
  });
  const busy = useRef(false);
  const abort = useRef<AbortController | null>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    busy.current = true;
    setState((s) => ({ ...s, key, loading: true, loadingMore: false, error: null }));
    api<Page<T>>(path, { query: { ...query, limit: pageSize }, signal: controller.signal })
      .then((page) => setState({ key, items: page.items, cursor: page.nextCursor, loading: false, loadingMore: false, error: null }))
      .catch((error) => {
        if ((error as Error).name !== 'AbortError') setState({ key, items: [], cursor: null, loading: false, loadingMore: false, error });
      })
      .finally(() => {
        if (abort.current === controller) busy.current = false;
      });
    return () => controller.abort();
    // The key stands for path and query.
  }, [key, pageSize, generation]);

  const loadMore = useCallback(() => {
    if (busy.current || !state.cursor || state.key !== key) return;
    busy.current = true;
    const controller = abort.current ?? new AbortController();
    setState((s) => ({ ...s, loadingMore: true }));
    api<Page<T>>(path, { query: { ...query, limit: pageSize, cursor: state.cursor }, signal: controller.signal })
      .then((page) => setState((s) => (s.key === key ? { ...s, items: [...s.items, ...page.items], cursor: page.nextCursor, loadingMore: false } : s)))
      .catch((error) => {
        if ((error as Error).name !== 'AbortError') setState((s) => ({ ...s, loadingMore: false, error }));
      })
      .finally(() => {
        busy.current = false;
      });
  }, [key, state.cursor, state.key, pageSize]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  return {
    items: state.key === key ? state.items : [],
    hasMore: state.key === key && state.cursor !== null,
    loading: state.loading || state.key !== key,
    loadingMore: state.loadingMore,
    error: state.error,
    loadMore,
    reload,
  };
}
