// Helpers of the real-OpenZFS benchmarks (bench/0[2-4]-*.sh run them in the QEMU guest): a counting `zfs`
// wrapper that logs every command's argv and its start and end time, timed runs of zform and syncoid, and
// the arithmetic on those logs (counts per subcommand, time spent inside zfs).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { sh } from '../test/real/lib.js';

/** The checkout (dist/bench/ → two levels up). */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The zform under test: this checkout's, or ZFORM_BENCH_ZFORM (e.g. another build, to compare). */
export const ZFORM = process.env.ZFORM_BENCH_ZFORM ?? path.join(REPO, 'bin', 'zform');
/** Where bench/fetch-syncoid.sh unpacked Debian's sanoid and libcapture-tiny-perl (the host's / is the guest's). */
export const SYNCOID_ROOT = process.env.ZFORM_BENCH_SYNCOID_ROOT ?? '/var/cache/zform-vm/bench/root';
export const SYNCOID = path.join(SYNCOID_ROOT, 'usr/sbin/syncoid');

export function requireGuest(): void {
  if (process.env.ZFORM_IN_GUEST !== '1') throw new Error('the benchmarks run in the guest: npm run bench (or bench/0N-*.sh)');
}

/** One zfs command as the wrapper saw it. */
export interface ZfsCall { start: number; end: number; argv: string[] }

/** A folder with a `zfs` that logs `start<TAB>end<TAB>argv` (seconds, bash's $EPOCHREALTIME) and runs the real one. */
export class CountingZfs {
  readonly dir = '/tmp/zform-bench/bin';
  readonly log = '/tmp/zform-bench/zfs.log';
  private constructor(readonly realZfs: string) {}

  static async install(): Promise<CountingZfs> {
    const real = (await sh('command -v zfs')).trim();
    const c = new CountingZfs(real);
    mkdirSync(c.dir, { recursive: true });
    // Not `exec`: the wrapper waits for zfs to learn when it ended. Both tools pay the same wrapper start-up.
    writeFileSync(path.join(c.dir, 'zfs'), [
      '#!/bin/bash',
      's=$EPOCHREALTIME',
      `${real} "$@"`,
      'rc=$?',
      'printf \'%s\\t%s\\t%s\\n\' "$s" "$EPOCHREALTIME" "$*" >> "${ZFORM_BENCH_ZFSLOG:-/dev/null}"',
      'exit $rc',
      '',
    ].join('\n'), { mode: 0o755 });
    return c;
  }

  /** Environment whose PATH finds the wrapper first and whose log is this run's. */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { ...process.env, ...extra, PATH: `${this.dir}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`, ZFORM_BENCH_ZFSLOG: this.log };
  }

  reset(): void { writeFileSync(this.log, ''); }

  calls(): ZfsCall[] {
    if (!existsSync(this.log)) return [];
    return readFileSync(this.log, 'utf8').split('\n').filter(Boolean).map((l) => {
      const [s, e, args] = l.split('\t');
      return { start: Number(s), end: Number(e), argv: (args ?? '').split(' ') };
    });
  }
}

export interface Timed { ms: number; code: number | null; stdout: string; stderr: string }

/** Runs argv to its end with env; wall time in ms. */
export function timed(argv: string[], env: NodeJS.ProcessEnv): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.once('error', reject);
    child.once('close', (code) => resolve({ ms: performance.now() - t0, code, stdout, stderr }));
  });
}

/** Fails loudly with the tool's output when a measured run did not succeed. */
export function check(what: string, r: Timed): Timed {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`);
  return r;
}

/** Commands per subcommand (`send`, `receive`/`recv` as one), most frequent first. */
export function computeBreakdown(calls: ZfsCall[]): [string, number][] {
  const m = new Map<string, number>();
  for (const c of calls) {
    const verb = c.argv[0] === 'recv' ? 'receive' : c.argv[0] ?? '?';
    m.set(verb, (m.get(verb) ?? 0) + 1);
  }
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
}

/** Seconds during which at least one zfs command ran (send and receive overlap: counted once). */
export function computeBusySeconds(calls: ZfsCall[]): number {
  const iv = calls.map((c) => [c.start, c.end] as const).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let curS = -Infinity;
  let curE = -Infinity;
  for (const [s, e] of iv) {
    if (s > curE) { if (curE > curS) total += curE - curS; curS = s; curE = e; } else if (e > curE) curE = e;
  }
  if (curE > curS) total += curE - curS;
  return total;
}

/** A YAML config file in the bench folder. */
export function writeConfig(name: string, yaml: string): string {
  mkdirSync('/tmp/zform-bench', { recursive: true });
  const file = path.join('/tmp/zform-bench', name);
  writeFileSync(file, yaml);
  return file;
}

export function zformEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...base, NO_COLOR: '1', ZFORM_LOCK_DIR: '/tmp/zform-bench/locks' };
}

export function syncoidEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...base, PERL5LIB: path.join(SYNCOID_ROOT, 'usr/share/perl5') };
}

export function fmt(n: number, digits = 1): string { return n.toFixed(digits); }

/** A Markdown table (the RESULTS.md format): header row, then rows. */
export function renderTable(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** What the guest is: CPUs, memory, the disk under the file vdevs, the zfs version. */
export async function describeGuest(): Promise<string> {
  const out = await sh('echo "$(nproc) vCPU, $(free -m | awk \'/Mem:/{print $2}\') MiB RAM; /mnt/disk: $(df -h --output=size,fstype /mnt/disk | tail -1 | xargs) on $(findmnt -no SOURCE /mnt/disk); $(zfs version | head -1)"');
  return out.trim();
}
