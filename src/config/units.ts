// Strict parsers and formatters for durations ("15m", "1h", "7d") and sizes ("50 MiB", "128 KiB").
import { ConfigValueError } from './value-error.js';

const DURATION_UNITS_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
  kB: 1000,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
  TB: 1000 ** 4,
};

const DURATION_RE = /^(\d+)(s|m|h|d|w)$/;
const SIZE_RE = /^(\d+(?:\.\d+)?) ?(B|KiB|MiB|GiB|TiB|kB|KB|MB|GB|TB)$/;

export const DURATION_FORMS = 'a duration like "15m", "1h" or "7d" (a whole number followed by s, m, h, d or w)';
export const SIZE_FORMS = 'a size like "50 MiB" or "128 KiB" (a number followed by B, KiB, MiB, GiB, TiB, kB, KB, MB, GB or TB)';

/** A positive duration in milliseconds; throws ConfigValueError naming the accepted forms. */
export function parseDuration(text: unknown): number {
  if (typeof text !== 'string') throw new ConfigValueError(`must be ${DURATION_FORMS}`);
  const m = DURATION_RE.exec(text);
  if (!m) {
    if (/^-\d+(s|m|h|d|w)$/.test(text)) throw new ConfigValueError('must be greater than zero');
    throw new ConfigValueError(`must be ${DURATION_FORMS}, not "${text}"`);
  }
  const ms = Number(m[1]) * DURATION_UNITS_MS[m[2]!]!;
  if (ms === 0) throw new ConfigValueError('must be greater than zero');
  if (!Number.isSafeInteger(ms)) throw new ConfigValueError(`"${text}" is too large`);
  return ms;
}

/** A positive size in whole bytes (rounded); throws ConfigValueError naming the accepted forms. */
export function parseSize(text: unknown): number {
  if (typeof text !== 'string') throw new ConfigValueError(`must be ${SIZE_FORMS}`);
  const m = SIZE_RE.exec(text);
  if (!m) {
    if (/^-\d+(\.\d+)? ?(B|KiB|MiB|GiB|TiB|kB|KB|MB|GB|TB)$/.test(text)) throw new ConfigValueError('must be greater than zero');
    throw new ConfigValueError(`must be ${SIZE_FORMS}, not "${text}"`);
  }
  const bytes = Math.round(Number(m[1]) * SIZE_UNITS[m[2]!]!);
  if (bytes < 1) throw new ConfigValueError('must be greater than zero');
  if (!Number.isSafeInteger(bytes)) throw new ConfigValueError(`"${text}" is too large`);
  return bytes;
}

const BINARY_UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** Bytes for people: "512 B", "1.5 KiB", "12.4 GiB" (binary units, one decimal). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  if (value < 1024) return `${sign}${Math.round(value)} B`;
  let unit = 0;
  value /= 1024;
  // compare the rounded value, so 1023.96 KiB prints as "1.0 MiB", not "1024.0 KiB"
  while (Number(value.toFixed(1)) >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${sign}${value.toFixed(1)} ${BINARY_UNITS[unit]}`;
}

/** Milliseconds in the config's notation, largest units first: "1h", "1d12h", "90s" → "1m30s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return String(ms);
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.floor(ms / 1000);
  const parts: string[] = [];
  for (const [unit, seconds] of [['w', 604_800], ['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / seconds);
    if (n > 0) {
      parts.push(`${n}${unit}`);
      rest -= n * seconds;
    }
  }
  return parts.join('');
}

/** An age or a lag for people, in words: "45 seconds", "12 minutes", "5 hours 3 minutes", "3 days 4 hours",
 *  "334 days" (not the config's "47w6d12h34m36s"). Pure. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return String(ms);
  const n = (k: number, unit: string) => `${k} ${unit}${k === 1 ? '' : 's'}`;
  const s = Math.floor(ms / 1000);
  if (s < 120) return n(s, 'second');
  const m = Math.floor(s / 60);
  if (m < 120) return n(m, 'minute');
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? n(h, 'hour') : `${n(h, 'hour')} ${n(m % 60, 'minute')}`;
  const d = Math.floor(h / 24);
  if (d < 7 && h % 24 !== 0) return `${n(d, 'day')} ${n(h % 24, 'hour')}`;
  return n(d, 'day');
}
