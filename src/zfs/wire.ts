// Compression on the wire (send.compression): the programs, their argv, and the POSIX shell pipelines that run a
// zfs command together with its compressor (on the sending host) or decompressor (on the receiving host).
//
// Each side is one `sh -c SCRIPT sh ARGV...` on its own host: the zfs argv (with its privilege prefix) is passed as
// the script's positional parameters, so nothing of it is ever parsed by a shell; the (de)compressor's words come
// from a closed list and an integer level. The remote login shell only has to be POSIX (as for every command).
//   - sending: `zfs send … | zstd -c`, exiting with zfs send's status (or the compressor's when zfs send succeeded,
//     or when zfs send died only of the compressor's closed pipe: 141 = SIGPIPE); POSIX sh has no pipefail, so zfs
//     send's status comes back through a descriptor;
//   - receiving: `zstd -d -c | zfs receive …`, exiting with zfs receive's status (a decompressor that fails on a
//     truncated or corrupt stream makes zfs receive fail on it too; one that dies of the closed pipe after zfs receive
//     took all it needed is no failure).
// Both sides' stderr is the one stderr of the side: the zfs messages and the (de)compressor's.

export type CompressionProgram = 'zstd' | 'lz4' | 'gzip';

/** A compression of the stream on the wire; level null = the program's own default. */
export interface Compression {
  program: CompressionProgram;
  level: number | null;
}

/** The levels each program takes (`-N`). */
export const COMPRESSION_LEVELS: Record<CompressionProgram, { min: number; max: number; default: number }> = {
  zstd: { min: 1, max: 19, default: 3 },
  lz4: { min: 1, max: 12, default: 1 },
  gzip: { min: 1, max: 9, default: 6 },
};

export const COMPRESSION_PROGRAMS = Object.keys(COMPRESSION_LEVELS) as CompressionProgram[];

/** `zstd`, `zstd:3` (the plan's and the views' text). */
export function renderCompression(c: Compression): string {
  return c.level === null ? c.program : `${c.program}:${c.level}`;
}

/** The compressor's argv (stdin → stdout, quiet). */
export function computeCompressArgv(c: Compression): string[] {
  const level = c.level === null ? [] : [`-${c.level}`];
  switch (c.program) {
    case 'zstd': return ['zstd', '-c', '-q', ...level];
    case 'lz4': return ['lz4', '-c', '-q', ...level];
    case 'gzip': return ['gzip', '-c', ...level];
  }
}

/** The decompressor's argv (stdin → stdout, quiet). */
export function computeDecompressArgv(c: Compression): string[] {
  switch (c.program) {
    case 'zstd': return ['zstd', '-d', '-c', '-q'];
    case 'lz4': return ['lz4', '-d', '-c', '-q'];
    case 'gzip': return ['gzip', '-d', '-c'];
  }
}

/** Words of our own argv (program names and flags) as they go into a script: only safe characters. */
function words(argv: string[]): string {
  for (const w of argv) if (!/^[a-z0-9-]+$/.test(w)) throw new TypeError(`not a plain word: ${w}`);
  return argv.join(' ');
}

/** The sending side: `sh -c SCRIPT sh ZFS_ARGV...` runs `ZFS_ARGV | compressor` and exits as described above. */
export function computeCompressedSendArgv(zfsArgv: string[], c: Compression): string[] {
  // fd 4: the side's stdout (the compressed stream); fd 3 inside $(…): where zfs send's status goes
  const script = 'exec 4>&1; '
    + `s=$( { { "$@" 3>&- 4>&-; echo $? >&3; } | ${words(computeCompressArgv(c))} 3>&- >&4 4>&-; } 3>&1 ); r=$?; exec 4>&-; s=\${s:-128}; `
    + 'if [ "$s" != 0 ] && { [ "$s" != 141 ] || [ "$r" = 0 ]; }; then exit "$s"; fi; exit "$r"';
  return ['sh', '-c', script, 'sh', ...zfsArgv];
}

/** The receiving side: `sh -c SCRIPT sh ZFS_ARGV...` runs `decompressor | ZFS_ARGV`, whose status is zfs receive's. */
export function computeDecompressedReceiveArgv(zfsArgv: string[], c: Compression): string[] {
  return ['sh', '-c', `${words(computeDecompressArgv(c))} | "$@"`, 'sh', ...zfsArgv];
}

/** The one command that says which of `programs` a host has: `command -v` of each; prints the path of those found. */
export function computeFindProgramsArgv(programs: string[]): string[] {
  return ['sh', '-c', 'for p in "$@"; do command -v "$p" || :; done', 'sh', ...programs];
}

/** Of `programs`, those whose name ends a line of `command -v`'s output (an absolute path, or the bare name of a
 *  builtin or alias). */
export function parseFoundPrograms(stdout: string, programs: string[]): string[] {
  const found = new Set<string>();
  for (const line of stdout.split('\n')) {
    const t = line.trim();
    if (t === '') continue;
    const base = t.slice(t.lastIndexOf('/') + 1);
    if (programs.includes(base)) found.add(base);
  }
  return programs.filter((p) => found.has(p));
}
