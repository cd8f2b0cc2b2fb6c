// Typed errors of the ZFS layer: a failed command's stderr mapped to a closed set of codes.
import { ZformError } from '../errors.js';

export type ZfsErrorCode =
  | 'dataset_does_not_exist'
  | 'dataset_busy'
  | 'bookmark_exists'
  | 'tag_exists'
  | 'no_such_tag'
  | 'destination_modified'
  | 'no_resumable_state'
  | 'stream_read_failure'
  | 'out_of_space'
  | 'permission_denied'
  | 'resume_token_corrupt'
  | 'dataset_exists'
  | 'zfs_not_found'
  | 'unknown';

/** How OpenZFS 2.1 words each case (captured in test/fixtures/zfs/2.1/stderr/), most specific first. */
const RULES: { code: Exclude<ZfsErrorCode, 'unknown'>; re: RegExp }[] = [
  { code: 'permission_denied', re: /permission denied|must be run as root|sudo: .*password is required|sudo: a terminal is required/i },
  { code: 'resume_token_corrupt', re: /resume token is corrupt|is not a valid (resume )?token/ },
  { code: 'no_resumable_state', re: /does not have any resumable receive state to abort/ },
  { code: 'destination_modified', re: /has been modified\s+since most recent snapshot/ },
  { code: 'stream_read_failure', re: /failed to read from stream|incomplete stream|invalid stream|checksum mismatch/ },
  { code: 'out_of_space', re: /out of space|quota exceeded|no space left on device/i },
  { code: 'dataset_busy', re: /dataset is busy|pool or dataset is busy|it's being held/ }, // 2.3: "it's being held. Run 'zfs holds -r ...'"
  { code: 'bookmark_exists', re: /bookmark exists/ },
  { code: 'tag_exists', re: /tag already exists on this dataset/ },
  { code: 'no_such_tag', re: /no such tag on this dataset/ },
  { code: 'dataset_exists', re: /dataset already exists|destination '[^']*' exists|destination already exists/ },
  {
    code: 'dataset_does_not_exist',
    re: /dataset does not exist|could not find any snapshots to destroy|bookmark '[^']*' does not exist|parent does not exist|destination '[^']*' does not exist|no such pool/,
  },
];

/** A `zfs` that could not be started: Node's spawn ENOENT here, a shell's "command not found" (exit 127) over SSH
 *  or after sudo. Pure. */
export function isZfsNotFound(stderr: string, exitCode: number | null): boolean {
  if (/spawn \S*zfs ENOENT|\bzfs: (command )?not found|zfs: No such file or directory/.test(stderr)) return true;
  // exit 127 with no other command named as missing (a missing sudo is not a missing zfs)
  return exitCode === 127 && !/\S+: (command )?not found|ENOENT/.test(stderr);
}

/** The code of one stderr text (the first rule that matches anywhere in it). */
export function computeZfsErrorCode(stderr: string): ZfsErrorCode {
  for (const r of RULES) if (r.re.test(stderr)) return r.code;
  return 'unknown';
}

/** The lines of a stderr text that carry an error (usage blurbs and blank lines dropped). */
export function computeErrorLines(stderr: string): string[] {
  const out: string[] = [];
  for (const line of stderr.split('\n')) {
    const t = line.trimEnd();
    if (t === '') continue;
    if (/^usage:$/.test(t)) break; // zfs prints usage after some errors; it carries nothing
    out.push(t);
  }
  return out;
}

/** `zfs destroy`, `zfs receive`...: the verb of an argv that may start with a privilege prefix (sudo -n). */
export function computeVerb(argv: string[]): string {
  const i = argv.findIndex((a) => a === 'zfs' || a.endsWith('/zfs'));
  if (i < 0) return argv[0] ?? '?';
  return argv[i + 1] !== undefined ? `zfs ${argv[i + 1]}` : 'zfs';
}

export interface ZfsFailure {
  host: string;
  argv: string[];
  stderr: string;
  /** exit code, null when killed by a signal */
  exitCode: number | null;
  signal?: string | null;
}

/** A failed zfs command: `code` says which known case it is; `shortMessage` is one line naming the host. */
export class ZfsError extends ZformError {
  readonly code: ZfsErrorCode;
  readonly host: string;
  readonly argv: string[];
  readonly stderr: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  constructor(f: ZfsFailure & { code?: ZfsErrorCode; shortMessage?: string; details?: string[]; cause?: unknown }) {
    const lines = computeErrorLines(f.stderr);
    const what = lines[0] ?? (f.signal ? `killed by ${f.signal}` : `exited with code ${f.exitCode}`);
    const missing = f.code === undefined && isZfsNotFound(f.stderr, f.exitCode);
    const short = f.shortMessage ?? (missing ? zfsNotFoundMessage(f.host, f.argv, f.stderr) : `${computeVerb(f.argv)} on ${f.host}: ${what}`);
    super('zfs', short, { details: f.details ?? (missing ? [] : lines.slice(1)), cause: f.cause });
    this.name = 'ZfsError';
    this.code = f.code ?? (missing ? 'zfs_not_found' : computeZfsErrorCode(f.stderr));
    this.host = f.host;
    this.argv = f.argv;
    this.stderr = f.stderr;
    this.exitCode = f.exitCode;
    this.signal = f.signal ?? null;
  }
}

/** The one line for a host without OpenZFS's `zfs` command: here (spawn ENOENT, naming the path if it is not
 *  plain "zfs") or over SSH (the remote shell's "not found"). Pure. */
export function zfsNotFoundMessage(host: string, argv: string[], stderr: string): string {
  const where = host === 'local' ? 'this host (local)' : `host ${host}`;
  if (/ENOENT/.test(stderr)) {
    const path = argv[0] !== undefined && argv[0] !== 'zfs' ? ` (${argv[0]})` : '';
    return `OpenZFS's zfs command${path} was not found on ${where}: install OpenZFS (Debian: zfsutils-linux) or put zfs on PATH`;
  }
  return `OpenZFS's zfs command was not found on ${where} (over SSH): install OpenZFS there (Debian: zfsutils-linux) or put zfs on the remote PATH`;
}

/** One per-snapshot failure of a batched command (`cannot hold snapshot 'p/a@s1': tag already exists...`). */
export interface ItemFailure {
  /** the full name the line names */
  name: string;
  code: ZfsErrorCode;
  line: string;
}

const ITEM_LINE_RES = [
  /^cannot (?:hold|release hold from) snapshot '([^']+)': (.*)$/,
  /^cannot destroy snapshot ([^:]+): (.*)$/,
  /^cannot open '([^']+)': (.*)$/,
  /^bookmark '([^']+)' does not exist\.?$/,
];

/** The per-item failures a batched hold/release/destroy/list printed, one per stderr line that names an item. */
export function parseItemFailures(stderr: string): ItemFailure[] {
  const out: ItemFailure[] = [];
  for (const line of computeErrorLines(stderr)) {
    for (const re of ITEM_LINE_RES) {
      const m = re.exec(line);
      if (m) { out.push({ name: m[1]!, code: computeZfsErrorCode(line), line }); break; }
    }
  }
  return out;
}

/** A command zform refuses to run: `token` (a name starting with "-") would read as an option. */
export function makeOptionLikeError(host: string, args: string[], token: string): ZfsError {
  return new ZfsError({
    host, argv: ['zfs', ...args], stderr: '', exitCode: null,
    shortMessage: `refusing to run zfs ${args[0] ?? ''} on ${host}: ${JSON.stringify(token)} would read as an option (no ZFS name starts with "-")`,
  });
}
