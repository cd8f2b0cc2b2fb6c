// Which real-ZFS test files each OpenZFS version runs in `npm test` (test/run-all; the command line is
// test/real/shard.ts). Every version runs the version-sensitive files, and one file of each local/SSH pair; the
// others are shared out between the versions so that each guest's share of minutes is about equal. A version named
// in ZFORM_TEST_FULL runs everything instead (and the versions not named then run only the version-sensitive files).
//
// Why: under TCG each guest keeps one core busy (99 % measured), so the suite's time is CPU and only less work
// shortens it. On a host whose emulation is ~3x slower than the one the suite grew on, the whole suite on both
// versions took more than the 90 minutes CI allows (stop 49: 118 of 154 tests per version in 87 minutes).

/** Files whose outcome depends on the version's output and rules: run on every version. */
export const VERSION_FILES = [
  'harness.test.js', // the stderr texts zform parses
  'zfs-layer.test.js', // the ZFS layer against the real zfs
  'plan.test.js', // planning against real listings
  'transfer-direct.test.js', // zfs send -v -P progress, what a killed sender leaves
  'wire.test.js', // a compressed stream resumed
  'hooks.test.js',
];

/**
 * The same tests through the local executor and over SSH: with two versions or more, the two of a pair run on
 * different versions, so every version runs each of them one way (the ZfsHost contract of the fake against the
 * real zfs; apply's holds, bookmarks and resumes; apply's refusals and locks).
 */
export const PAIRS: readonly (readonly [string, string])[] = [
  ['contract-local.test.js', 'contract-ssh.test.js'],
  ['apply-local.test.js', 'apply-ssh.test.js'],
  ['apply-control.test.js', 'apply-control-ssh.test.js'],
];

/**
 * Minutes each file took in the guest, beside a second guest, on a 2-core host under TCG (session 37's run of
 * `npm test`, before norandmaps; planfile-trust from CI of stop 49, whose guest shared its core in that run;
 * quickstart, ssh-zfs, status, transfer-direct, wire, zfs-layer and zrepl-import estimated: that run was stopped
 * before them). Only the proportions matter; a file not listed counts as MINUTES_UNKNOWN.
 */
export const MINUTES: Record<string, number> = {
  'admin-mistakes.test.js': 3.3,
  'apply-control.test.js': 5.6,
  'apply-control-ssh.test.js': 8.8,
  'apply-local.test.js': 6.8,
  'apply-ssh.test.js': 10.5,
  'clone-sends.test.js': 2.1,
  'contract-local.test.js': 4.4,
  'contract-ssh.test.js': 5.4,
  'crash-kill.test.js': 7.1,
  'delegation.test.js': 1.0,
  'harness.test.js': 1.3,
  'hooks.test.js': 2.2,
  'incremental-batch.test.js': 1.6,
  'missing.test.js': 4.6,
  'ops.test.js': 2.0,
  'parallel.test.js': 4.0,
  'plan.test.js': 2.2,
  'plan-ssh.test.js': 12.3,
  'planfile-trust.test.js': 3.0,
  'prune.test.js': 10.1,
  'quickstart.test.js': 8,
  'ssh-zfs.test.js': 3,
  'status.test.js': 3,
  'transfer-direct.test.js': 6,
  'wire.test.js': 3,
  'zfs-layer.test.js': 4,
  'zrepl-import.test.js': 3,
};
export const MINUTES_UNKNOWN = 3;

/**
 * Each version's files (the paths as given, each list in the order given, which is the order they run in).
 * `full` names the versions that run every file. With none, the files outside VERSION_FILES go, longest first
 * (a pair by its two files' minutes together), each to the version with the fewest minutes so far (ties: the
 * earlier version; a pair's shorter file to the fewest minutes but its partner's version), so the same files
 * always go to the same versions. A version not in `full` while some are runs VERSION_FILES only.
 */
export function shareFiles(files: readonly string[], versions: readonly string[], full: readonly string[],
  minutes: Readonly<Record<string, number>> = MINUTES): Map<string, string[]> {
  const base = (f: string) => f.slice(f.lastIndexOf('/') + 1);
  const weight = (f: string) => minutes[base(f)] ?? MINUTES_UNKNOWN;
  const everywhere = files.filter((f) => VERSION_FILES.includes(base(f)));
  const rest = files.filter((f) => !VERSION_FILES.includes(base(f)));
  const chosen = new Map<string, Set<string>>(versions.map((v) => [v, new Set(everywhere)]));
  const fullOnes = versions.filter((v) => full.includes(v));
  if (fullOnes.length > 0) {
    for (const v of fullOnes) for (const f of rest) chosen.get(v)!.add(f);
  } else if (versions.length > 0) {
    const load = new Map(versions.map((v) => [v, 0]));
    const give = (f: string, not?: string) => {
      const candidates = versions.filter((x) => x !== not);
      const v = (candidates.length > 0 ? candidates : versions).reduce((best, x) => (load.get(x)! < load.get(best)! ? x : best));
      chosen.get(v)!.add(f);
      load.set(v, load.get(v)! + weight(f));
      return v;
    };
    // units: a pair whose two files are both here, or one file; longest first (ties: by name)
    const byWeight = (a: string, b: string) => weight(b) - weight(a) || (base(a) < base(b) ? -1 : base(a) > base(b) ? 1 : 0);
    const paired = new Set<string>();
    const units: string[][] = [];
    for (const [a, b] of PAIRS) {
      const fa = rest.find((f) => base(f) === a);
      const fb = rest.find((f) => base(f) === b);
      if (fa && fb) { units.push([fa, fb].sort(byWeight)); paired.add(fa).add(fb); }
    }
    for (const f of rest) if (!paired.has(f)) units.push([f]);
    const total = (u: string[]) => u.reduce((s, f) => s + weight(f), 0);
    units.sort((x, y) => total(y) - total(x) || byWeight(x[0]!, y[0]!));
    for (const [first, second] of units) {
      const v = give(first!);
      if (second !== undefined) give(second, v);
    }
  }
  return new Map(versions.map((v) => [v, files.filter((f) => chosen.get(v)!.has(f))]));
}
