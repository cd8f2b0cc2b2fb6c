// Pure parsers of send-related output: `send -nvP` estimates, `send -nvt` resume tokens, version and usage probes.
import type { Features, ResumeTokenInfo } from './types.js';
import { guidFromHex } from './names.js';
import { ZfsParseError } from './parse.js';

/** Bytes of a `zfs send -nvP` dry run: the `size` line, else the sum of the `full`/`incremental` lines. */
export function parseSendEstimate(stdout: string): number {
  let sum = 0;
  let seen = false;
  const lines = stdout.split('\n');
  for (const line of lines) {
    const f = line.split('\t');
    if (f[0] === 'size' && f.length === 2 && /^\d+$/.test(f[1]!)) return Number(f[1]);
    if ((f[0] === 'full' || f[0] === 'incremental') && /^\d+$/.test(f[f.length - 1]!)) {
      sum += Number(f[f.length - 1]);
      seen = true;
    }
  }
  if (!seen) throw new ZfsParseError('zfs send -nvP', 1, stdout.trim().split('\n')[0] ?? '');
  return sum;
}

function parseHexNumber(v: string): string {
  return guidFromHex(v.replace(/^0x/i, ''));
}

/** Thrown for `send -nvt` output without a `toguid` or `toname`; the error mapping covers corrupt tokens. */
export class ResumeTokenParseError extends ZfsParseError {}

/** The fields of `zfs send -nvt TOKEN` ("resume token contents:" then an nvlist printed as `\tkey = value`). */
export function parseResumeToken(stdout: string): ResumeTokenInfo {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.trim() === 'resume token contents:');
  if (start < 0) throw new ResumeTokenParseError('zfs send -nvt', 1, lines[0] ?? '');
  const fields = new Map<string, string>();
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('nvlist version:')) continue;
    const m = /^\t(\S+)(?: = (.*))?$/.exec(line);
    if (!m) break;
    fields.set(m[1]!, m[2] ?? '1');
  }
  const toguid = fields.get('toguid');
  const toname = fields.get('toname');
  if (toguid === undefined || toname === undefined) throw new ResumeTokenParseError('zfs send -nvt', start + 1, 'no toguid/toname');
  const flag = (k: string) => fields.has(k) && fields.get(k) !== '0';
  const info: ResumeTokenInfo = {
    toname,
    toguid: parseHexNumber(toguid),
    rawok: flag('rawok'),
    compressok: flag('compressok'),
    embedok: flag('embedok'),
    largeblockok: flag('largeblockok'),
  };
  const from = fields.get('fromguid');
  if (from !== undefined) info.fromguid = parseHexNumber(from);
  const bytes = fields.get('bytes');
  if (bytes !== undefined) info.bytes = Number(BigInt(bytes.startsWith('0x') ? bytes : `0x${bytes}`));
  return info;
}

/** The userland version from `zfs version` ("zfs-2.1.11-1+deb12u1"), or null. */
export function parseVersion(stdout: string): string | null {
  const first = stdout.split('\n').map((l) => l.trim()).find((l) => l !== '');
  return first && /^zfs-\d/.test(first) ? first : null;
}

/** Features from the usage text of `zfs -?` (all subcommands): what this zfs binary can do. */
export function computeFeatures(version: string | null, usage: string): Features {
  const sendFlags = [...usage.matchAll(/^\s*send \[-([A-Za-z]+)\]/gm)].map((m) => m[1]!).join('');
  return {
    resumableReceive: /send .*-t <receive_resume_token>/.test(usage) && /receive -A /.test(usage),
    encryption: /^\s*load-key /m.test(usage),
    bookmarks: /^\s*bookmark </m.test(usage),
    rawSend: sendFlags.includes('w'),
    version: version ?? 'unknown',
  };
}
