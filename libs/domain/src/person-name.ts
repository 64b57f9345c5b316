/**
 * Personal names as the agencies type them, reduced to keys that record linkage can compare:
 * the same name keyed in by a police station, a hospital and a township clerk differs in width
 * (IME full-width mode), spacing, the dot of transliterated minority names and the script
 * (traditional characters from Hong Kong, Taiwan or old ledgers); homophones are a typing
 * error of pinyin IMEs.
 *
 * Empty input is a missing name, not an error: every key of a name that is empty after
 * normalisation (``, spaces, a lone dot) is `''`, and such a name agrees with nothing, not
 * even another missing name (`compareNames` returns 'different'), so that two records without
 * names never gain weight from it.
 *
 * The keys are for comparison, not display: OpenCC's traditional-to-simplified table also folds
 * 16 of GB 2312's simplified characters (乾 → 干, 於 → 于, 後 → 后, 徵 → 征 …), so 李乾 and
 * 李干 normalise alike.
 */
import type { ConverterFunction } from 'opencc-js';

export type NameAgreement = 'exact' | 'normalised' | 'homophone' | 'initials' | 'different';

/** Every comparison key of one name; compute it once per record when comparing many pairs. */
export interface NameKeys {
  /** `normaliseName` */
  normalised: string;
  /** `pinyinKey` */
  pinyin: string;
  /** `initialsKey` */
  initials: string;
}

const MIDDLE_DOT = '·';

// After NFKC, which already folds the full-width ．and half-width ･ into . and ・.
const DOTS = /[.\u00B7\u0387\u2022\u2027\u2219\u22C5\u2E31\u30FB\uA78F]/g;
// Zero-width spaces, joiners, BOMs and control characters pasted in from spreadsheets.
const INVISIBLE = /[\p{Cf}\p{Cc}]/gu;
const SPACE_BY_HAN_OR_DOT = /(?<=[\p{Script=Han}·])\s+|\s+(?=[\p{Script=Han}·])/gu;
const SPACES = /\s+/g;
const DOT_RUNS = /·{2,}/g;
const EDGE_DOTS = /^·+|·+$/g;
// The common case, nothing but Han characters, skips the regular expressions.
const HAN_ONLY = /^\p{Script=Han}+$/u;

const PINYIN_OPTIONS = {
  // Surname readings for the first character(s): 单 shan, 曾 zeng, 解 xie, 尉迟 yu chi.
  mode: 'surname',
  surname: 'head',
  nonZh: 'consecutive',
} as const;
// pinyin-pro is 1.4 times faster with tone marks than without (measured), so the marks are
// taken off here, by Unicode decomposition: ǚ becomes v (lv, nv: the keys stay ASCII).
const U_UMLAUT = /u\u0308/g;
const COMBINING_MARKS = /[\u0300-\u036f]/g;
const TOKEN_SEPARATORS = /[\s·]+/;

// Linkage compares each name against many candidates; the keys of a name are computed once
// and kept. Cleared when full rather than evicted one by one: cheaper, and a batch refills it.
const CACHE_LIMIT = 100_000;
const cache = new Map<string, Readonly<NameKeys>>();

// Loaded on first use: the two libraries take some 0.3 s and 10 MB to load, which processes
// importing the domain for anything else (the CLI, the api) need not pay.
let libraries: { toSimplified: ConverterFunction; pinyin: typeof import('pinyin-pro').pinyin } | undefined;

function loadLibraries(): NonNullable<typeof libraries> {
  const { ConverterFactory, Locale } = require('opencc-js') as typeof import('opencc-js');
  const { pinyin } = require('pinyin-pro') as typeof import('pinyin-pro');
  return {
    // Hong Kong variants to OpenCC traditional, then traditional to mainland simplified, character
    // by character (names have no phrases to convert). 'hk' rather than 'tw': on the 6,763
    // characters of GB 2312 it changes exactly what the plain 't' converter changes, while the
    // Taiwan variant table also rewrites simplified 么 and 著.
    toSimplified: ConverterFactory(Locale.from.hk, Locale.to.cn),
    pinyin,
  };
}

export function normaliseName(name: string): string {
  return nameKeys(name).normalised;
}

/** Toneless pinyin of the normalised name, one syllable (or Latin word) a token, lowercase: '张秀英' → 'zhang xiu ying'. */
export function pinyinKey(name: string): string {
  return nameKeys(name).pinyin;
}

/** The first letter of each token of the pinyin key: '张秀英' → 'zxy'. */
export function initialsKey(name: string): string {
  return nameKeys(name).initials;
}

/** All three keys at once, computed once per distinct name and kept (up to 100,000 names). */
export function nameKeys(name: string): Readonly<NameKeys> {
  let keys = cache.get(name);
  if (keys === undefined) {
    keys = Object.freeze(computeKeys(name));
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(name, keys);
  }
  return keys;
}

/**
 * The strongest level at which two names agree. 'normalised' also covers names that differ
 * only in the dots separating their parts (买买提·艾力, 买买提艾力), since dots are as often
 * dropped as typed.
 */
export function compareNames(a: string, b: string): NameAgreement {
  const ka = nameKeys(a);
  const kb = nameKeys(b);
  if (ka.normalised === '' || kb.normalised === '') return 'different';
  if (a === b) return 'exact';
  if (ka.normalised === kb.normalised || withoutDots(ka.normalised) === withoutDots(kb.normalised)) return 'normalised';
  if (ka.pinyin === kb.pinyin) return 'homophone';
  if (ka.initials === kb.initials) return 'initials';
  return 'different';
}

function computeKeys(name: string): NameKeys {
  libraries ??= loadLibraries();
  const normalised = normalise(name, libraries.toSimplified);
  if (normalised === '') return { normalised, pinyin: '', initials: '' };
  // The pinyin is read from the normalised name, so that names which normalise alike always
  // share their pinyin and initials (a blocking key must not split them).
  const tokens = libraries
    .pinyin(normalised, PINYIN_OPTIONS)
    .normalize('NFD')
    .replace(U_UMLAUT, 'v')
    .replace(COMBINING_MARKS, '')
    .toLowerCase()
    .split(TOKEN_SEPARATORS)
    .filter((token) => token !== '');
  let initials = '';
  for (const token of tokens) initials += token[0];
  return { normalised, pinyin: tokens.join(' '), initials };
}

function normalise(name: string, toSimplified: ConverterFunction): string {
  let s = name.normalize('NFKC');
  if (!HAN_ONLY.test(s)) {
    s = s
      .replace(INVISIBLE, '')
      .replace(DOTS, MIDDLE_DOT)
      .replace(SPACE_BY_HAN_OR_DOT, '')
      .trim()
      .replace(SPACES, ' ')
      .replace(DOT_RUNS, MIDDLE_DOT)
      .replace(EDGE_DOTS, '')
      .toUpperCase()
      // Again: upper-casing (ΐ) and removing invisible characters can leave uncomposed marks.
      .normalize('NFKC');
  }
  const simplified = toSimplified(s);
  // A few entries of OpenCC's tables chain (薴 → 苧 → 苎): a second pass makes this idempotent.
  return simplified === s ? s : toSimplified(simplified);
}

function withoutDots(normalised: string): string {
  return normalised.includes(MIDDLE_DOT) ? normalised.replaceAll(MIDDLE_DOT, '') : normalised;
}
