import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { MESSAGES, type Language, type MessageKey } from './messages';

const STORAGE_KEY = 'sanxian.language';

export interface I18n {
  language: Language;
  setLanguage(language: Language): void;
  /** The message for a key, with `{name}` parameters filled in. */
  t(key: MessageKey, params?: Record<string, string | number>): string;
  /** A key built at run time (a kind, a status): the key itself shows when it has no message. */
  tk(prefix: string, value: string): string;
  number(value: number, options?: Intl.NumberFormatOptions): string;
  /** A calendar day (YYYY-MM-DD) in the local form. */
  day(value: string | null | undefined): string;
  dateTime(value: string | Date | null | undefined): string;
}

const I18nContext = createContext<I18n | null>(null);

function initialLanguage(): Language {
  const saved = localStorage.getItem(STORAGE_KEY);
  return saved === 'en' || saved === 'zh-CN' ? saved : 'zh-CN';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  const setLanguage = useCallback((next: Language) => {
    localStorage.setItem(STORAGE_KEY, next);
    setLanguageState(next);
  }, []);
  useEffect(() => {
    document.documentElement.lang = language;
    dayjs.locale(language === 'zh-CN' ? 'zh-cn' : 'en');
  }, [language]);

  const value = useMemo<I18n>(() => {
    const messages = MESSAGES[language];
    const numberFormat = new Intl.NumberFormat(language);
    // Calendar days are dates without a zone: formatted in UTC so that they never shift by a day.
    const dayFormat = new Intl.DateTimeFormat(language, { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: 'UTC' });
    const dateTimeFormat = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' });
    const format = (v: string | number) => (typeof v === 'number' ? numberFormat.format(v) : v);
    const t = (key: MessageKey, params?: Record<string, string | number>) => {
      const text = messages[key] ?? key;
      return params ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? format(params[name]) : whole)) : text;
    };
    return {
      language,
      setLanguage,
      t,
      tk: (prefix, v) => (messages as Record<string, string>)[`${prefix}.${v}`] ?? v,
      number: (v, options) => (options ? new Intl.NumberFormat(language, options).format(v) : numberFormat.format(v)),
      day: (v) => {
        if (!v) return '';
        const date = new Date(`${String(v).slice(0, 10)}T00:00:00Z`);
        return Number.isNaN(date.getTime()) ? String(v) : dayFormat.format(date);
      },
      dateTime: (v) => {
        if (!v) return '';
        const date = v instanceof Date ? v : new Date(v);
        return Number.isNaN(date.getTime()) ? String(v) : dateTimeFormat.format(date);
      },
    };
  }, [language, setLanguage]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const context = useContext(I18nContext);
  if (!context) throw new Error('useI18n outside I18nProvider');
  return context;
}
