// zrepl's retention grid spec: `N x DURATION(keep=K|all)` intervals joined by `|`.
import type { GridInterval } from './types.js';
import { parseDuration } from './units.js';
import { ConfigValueError } from './value-error.js';

/** The most buckets a grid may have, all intervals together: hourly for ten years is 87,600. A plan holds every
 *  bucket, so a count such as 1000000000 would exhaust memory instead of being refused. */
export const MAX_GRID_BUCKETS = 100_000;

const INTERVAL_RE = /^\s*(\d+)\s*x\s*([^(]+?)\s*(?:\((.*)\))?\s*$/;
const KEEP_RE = /^\s*keep=(.+?)\s*$/;

function parseInterval(text: string): GridInterval {
  const m = INTERVAL_RE.exec(text);
  if (!m) throw new ConfigValueError('expected "N x DURATION" or "N x DURATION(keep=K)" with K a number or "all"');
  const count = Number(m[1]);
  if (count <= 0) throw new ConfigValueError('the count N must be at least 1');
  if (count > MAX_GRID_BUCKETS) throw new ConfigValueError(`the count N must be at most ${MAX_GRID_BUCKETS} (every bucket is kept in memory)`);
  let lengthMs: number;
  try {
    lengthMs = parseDuration(m[2]);
  } catch (err) {
    if (err instanceof ConfigValueError) throw new ConfigValueError(`the duration ${err.shortMessage}`);
    throw err;
  }
  let keep: number | 'all' = 1;
  if (m[3] !== undefined) {
    const k = KEEP_RE.exec(m[3]);
    if (!k) throw new ConfigValueError(`unknown parameter "${m[3].trim()}" (only keep=K or keep=all)`);
    if (k[1] === 'all') keep = 'all';
    else if (/^\d+$/.test(k[1]!) && Number(k[1]) >= 1) keep = Number(k[1]);
    else throw new ConfigValueError(`keep must be a whole number of at least 1 or "all", not "${k[1]}"`);
  }
  return { count, lengthMs, keep };
}

/** The intervals of a grid spec, youngest first; throws ConfigValueError naming the bad interval. */
export function parseGrid(text: string): GridInterval[] {
  const parts = text.split('|');
  const intervals: GridInterval[] = [];
  parts.forEach((part, i) => {
    try {
      intervals.push(parseInterval(part));
    } catch (err) {
      if (err instanceof ConfigValueError) {
        throw new ConfigValueError(`cannot parse interval ${i + 1} of ${parts.length} ("${part.trim()}"): ${err.shortMessage}`);
      }
      throw err;
    }
  });
  const buckets = intervals.reduce((n, g) => n + g.count, 0);
  if (buckets > MAX_GRID_BUCKETS) throw new ConfigValueError(`it has ${buckets} buckets in all, more than ${MAX_GRID_BUCKETS} (every bucket is kept in memory)`);
  // lengths must not decrease, except after intervals that all keep everything (zrepl's rule)
  for (let i = 1; i < intervals.length; i++) {
    const cur = intervals[i]!;
    const prev = intervals[i - 1]!;
    if (cur.lengthMs < prev.lengthMs && !intervals.slice(0, i).every((x) => x.keep === 'all')) {
      throw new ConfigValueError(`interval ${i + 1} ("${parts[i]!.trim()}") is shorter than interval ${i} ("${parts[i - 1]!.trim()}"): interval durations must not decrease`);
    }
  }
  return intervals;
}

/** The total time span a grid covers, in milliseconds. */
export function computeGridSpanMs(grid: GridInterval[]): number {
  return grid.reduce((sum, g) => sum + g.count * g.lengthMs, 0);
}
