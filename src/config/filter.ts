// zrepl's `filesystems` filter: "a/b<" matches a/b and its subtree, "a/b" only a/b, "<" everything;
// an exact entry beats a subtree one, the longest subtree prefix wins, no entry = not matched.
import { configDatasetNamecheck } from '../zfs/names.js';
import { ConfigValueError } from './value-error.js';

/** Why the filter selects a dataset or not: the deciding pattern, or null when no pattern covers it. */
export interface FilterDecision {
  selected: boolean;
  /** the `filesystems` key that decided, as written (e.g. "tank/a<"); null: no key covers the dataset */
  pattern: string | null;
}

export interface DatasetFilter {
  /** whether `dataset` is selected */
  matches(dataset: string): boolean;
  /** whether `dataset` is selected, and which pattern decided */
  explain(dataset: string): FilterDecision;
  /** whether `dataset` or any dataset below it is selected */
  matchesWithin(dataset: string): boolean;
  /** the fewest datasets to list recursively so that every selected dataset is listed; null = everything */
  roots(): string[] | null;
}

interface Entry { pattern: string; path: string; subtree: boolean; accept: boolean }

/** Why `pattern` is not a valid filter pattern, or null. */
export function filterPatternCheck(pattern: string): string | null {
  const count = [...pattern].filter((c) => c === '<').length;
  if (count > 1 || (count === 1 && !pattern.endsWith('<'))) return `invalid filter pattern "${pattern}": "<" is allowed only once, at the end`;
  const path = pattern.slice(0, pattern.length - count);
  if (path === '') return count === 1 ? null : 'empty filter pattern (use "<" to match every dataset)';
  const err = configDatasetNamecheck(path);
  if (err) return `invalid dataset name "${path}" in filter pattern: ${err}`;
  return null;
}

/** `path` equals `prefix` or lies below it (component-wise; "" is the prefix of everything). */
function isWithin(path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(prefix + '/');
}

/** Compiles a validated `filesystems` map; throws ConfigValueError for an invalid pattern. */
export function compileFilter(filesystems: Record<string, boolean>): DatasetFilter {
  const entries: Entry[] = Object.entries(filesystems).map(([pattern, accept]) => {
    const err = filterPatternCheck(pattern);
    if (err) throw new ConfigValueError(err);
    const subtree = pattern.endsWith('<');
    return { pattern, path: subtree ? pattern.slice(0, -1) : pattern, subtree, accept };
  });

  /** the longest subtree entry covering `dataset`, or undefined */
  const subtreeEntry = (dataset: string): Entry | undefined => {
    let best: Entry | undefined;
    for (const e of entries) {
      if (e.subtree && isWithin(dataset, e.path) && (!best || e.path.length > best.path.length)) best = e;
    }
    return best;
  };
  const subtreeDecision = (dataset: string): boolean | undefined => subtreeEntry(dataset)?.accept;

  const explain = (dataset: string): FilterDecision => {
    const e = entries.find((x) => !x.subtree && x.path === dataset) ?? subtreeEntry(dataset);
    return e ? { selected: e.accept, pattern: e.pattern } : { selected: false, pattern: null };
  };
  const matches = (dataset: string): boolean => explain(dataset).selected;

  return {
    matches,
    explain,
    matchesWithin(dataset: string): boolean {
      if (matches(dataset)) return true;
      // a descendant named by no entry gets the decision of the longest subtree entry covering `dataset`
      if (subtreeDecision(dataset) === true) return true;
      // ...or an entry below `dataset` accepts something
      return entries.some((e) => e.accept && e.path !== dataset && isWithin(e.path, dataset));
    },
    roots(): string[] | null {
      const accepted = entries.filter((e) => e.accept).map((e) => e.path);
      if (accepted.includes('')) return null;
      const sorted = [...new Set(accepted)].sort();
      return sorted.filter((p) => !sorted.some((q) => q !== p && isWithin(p, q)));
    },
  };
}
