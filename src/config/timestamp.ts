// Snapshot-name timestamps (zrepl's formats, always UTC): format and parse back.
import type { TimestampFormat } from './types.js';

export const TIMESTAMP_FORMATS: readonly TimestampFormat[] = ['dense', 'human', 'iso-8601', 'unix-seconds'];

function pad(n: number, width = 2): string { return String(n).padStart(width, '0'); }

/** dense `20060102_150405_000`, human `2006-01-02_15:04:05`, iso-8601 `2006-01-02T15:04:05.000Z`, unix-seconds `1136214245`. */
export function formatTimestamp(date: Date, format: TimestampFormat): string {
  const y = pad(date.getUTCFullYear(), 4);
  const mo = pad(date.getUTCMonth() + 1);
  const d = pad(date.getUTCDate());
  const h = pad(date.getUTCHours());
  const mi = pad(date.getUTCMinutes());
  const s = pad(date.getUTCSeconds());
  const ms = pad(date.getUTCMilliseconds(), 3);
  switch (format) {
    case 'dense': return `${y}${mo}${d}_${h}${mi}${s}_${ms}`;
    case 'human': return `${y}-${mo}-${d}_${h}:${mi}:${s}`;
    case 'iso-8601': return `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`;
    case 'unix-seconds': return String(Math.floor(date.getTime() / 1000));
  }
}

const PATTERNS: Record<TimestampFormat, RegExp> = {
  dense: /^(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})_(\d{3})$/,
  human: /^(\d{4})-(\d{2})-(\d{2})_(\d{2}):(\d{2}):(\d{2})()$/,
  'iso-8601': /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/,
  'unix-seconds': /^(\d+)$/,
};

/** The instant a timestamp of `format` denotes, or null when `text` is not one (exactly). */
export function parseTimestamp(text: string, format: TimestampFormat): Date | null {
  const m = PATTERNS[format].exec(text);
  if (!m) return null;
  if (format === 'unix-seconds') {
    const date = new Date(Number(m[1]) * 1000);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map((x) => Number(x || '0')) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
  // reject rollovers such as 2023-02-30
  if (formatTimestamp(date, format) !== text) return null;
  return date;
}
