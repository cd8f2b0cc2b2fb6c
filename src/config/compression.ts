// send.compression's text (`none`, `zstd`, `zstd:3`) → the Compression of src/zfs/wire.ts.
import { ConfigValueError } from './value-error.js';
import { COMPRESSION_LEVELS, COMPRESSION_PROGRAMS, type Compression, type CompressionProgram } from '../zfs/wire.js';

/** `zstd`, `zstd:3`, `none` → a Compression (null for none); throws a one-line ConfigValueError for anything else. */
export function parseCompression(text: string): Compression | null {
  const t = text.trim();
  if (t === 'none') return null;
  const m = /^([a-z0-9]+)(?::(-?\d+))?$/.exec(t);
  const program = m?.[1] as CompressionProgram | undefined;
  if (!m || !program || !COMPRESSION_PROGRAMS.includes(program)) {
    throw new ConfigValueError(`must be none, ${COMPRESSION_PROGRAMS.join(', ')}, or one of those with a level (e.g. "zstd:3"), not "${text}"`);
  }
  if (m[2] === undefined) return { program, level: null };
  const level = Number(m[2]);
  const r = COMPRESSION_LEVELS[program];
  if (level < r.min || level > r.max) throw new ConfigValueError(`${program} levels go from ${r.min} to ${r.max}, not ${level}`);
  return { program, level };
}

