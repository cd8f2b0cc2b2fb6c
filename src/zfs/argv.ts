// Pure builders of zfs argv (without the `zfs` word and privilege prefix), and argv-size batching.
import type { ReceiveArgs, SendArgs, SendFlags } from './types.js';
import { LIST_COLUMNS, VERSION_LIST_COLUMNS } from './parse.js';

/** Arguments beyond this many bytes go into another command (Linux allows 2 MiB in all, 128 KiB per string). */
export const MAX_ARGV_BYTES = 100 * 1024;

/** What Linux's execve counts for each argument besides its bytes: its NUL and its pointer. */
export const LINUX_ARGV_OVERHEAD = 1 + 8;

/** Linux's limit for all of argv and the environment together (strings with their NULs and pointers): a quarter of
 *  the stack's soft limit (null: unlimited), at most 6 MiB and at least 128 KiB (fs/exec.c). */
export function computeLinuxArgMax(stackSoftLimit: number | null): number {
  const cap = 6 * 1024 * 1024;
  return Math.max(128 * 1024, stackSoftLimit === null ? cap : Math.min(cap, Math.floor(stackSoftLimit / 4)));
}

/** The argument bytes one local command may carry: half of what Linux allows after the environment (the other half
 *  is headroom for the privilege prefix, sudo's own environment and the kernel's rounding), never less than
 *  MAX_ARGV_BYTES. With the usual 8 MiB stack that is about 1 MiB: ten times more snapshot names per command. */
export function computeLocalArgvBudget(stackSoftLimit: number | null, envBytes: number): number {
  return Math.max(MAX_ARGV_BYTES, Math.floor((computeLinuxArgMax(stackSoftLimit) - envBytes) / 2));
}

/** Every option zform gives zfs; '-' is `zfs program`'s script from stdin. */
const ZFS_FLAGS = new Set(['-', '-A', '-F', '-H', '-I', '-L', '-P', '-b', '-c', '-d', '-e', '-i', '-j', '-n', '-o', '-p', '-r', '-s', '-t', '-u', '-v', '-w', '-x']);

/**
 * The first argument of a zfs argv (without `zfs`) that zfs would read as an option although zform did not mean one
 * (a name or token starting with "-", such as `-R@x` from a hostile plan or listing), or null. Checked at the one
 * place every command passes (CommandZfsHost.argv); configured names cannot start with "-" (OpenZFS: a pool name
 * starts with a letter), and the names of a listing begin with a pool's.
 */
export function computeOptionLikeOperand(args: string[]): string | null {
  for (const a of args.slice(1)) if (a.startsWith('-') && !ZFS_FLAGS.has(a)) return a;
  return null;
}

/** `zfs list` of the datasets under the roots (none = all pools), with zform's columns (no user property). */
export function computeListArgv(roots: string[]): string[] {
  return ['list', '-H', '-p', '-r', '-t', 'filesystem,volume', '-o', LIST_COLUMNS.join(','), ...roots];
}

/** `zfs list` of the named pools' root datasets alone, names only: which pools exist. */
export function computePoolCheckArgv(pools: string[]): string[] {
  return ['list', '-H', '-o', 'name', '-d', '0', ...pools];
}

/** `zfs list` of the snapshots and bookmarks of the named datasets only (`-d 1`: their children's are a level deeper),
 *  with a version's own columns. On OpenZFS >= 2.2 columns beyond name,guid,createtxg leave its fast path. */
export function computeVersionListArgv(datasets: string[]): string[] {
  return ['list', '-H', '-p', '-d', '1', '-t', 'snapshot,bookmark', '-o', VERSION_LIST_COLUMNS.join(','), ...datasets];
}

/** Up to `count` contiguous slices of `items`, as even in length as they can be, none empty. */
export function computeSlices<T>(items: T[], count: number): T[][] {
  const n = Math.max(1, Math.min(Math.floor(count), items.length));
  const out: T[][] = [];
  for (let i = 0; i < n; i++) {
    const from = Math.floor((i * items.length) / n);
    const to = Math.floor(((i + 1) * items.length) / n);
    if (to > from) out.push(items.slice(from, to));
  }
  return out;
}

/** `property` of every dataset under the roots, one line each (unset: "-"), with where it is set (parsePlaceholders). */
export function computePlaceholderArgv(roots: string[], property: string): string[] {
  return ['get', '-H', '-p', '-r', '-t', 'filesystem,volume', '-o', 'name,value,source', property, ...roots];
}

/** `zfs get` of `property` of the named datasets only, one line each (no -s: set or not), with where it is set. */
export function computePlaceholderCheckArgv(datasets: string[], property: string): string[] {
  return ['get', '-H', '-p', '-o', 'name,value,source', property, ...datasets];
}

function sendFlagArgs(f: SendFlags): string[] {
  const out: string[] = [];
  if (f.raw) out.push('-w');
  if (f.properties) out.push('-p');
  if (f.backupProperties) out.push('-b');
  if (f.largeBlocks) out.push('-L');
  if (f.compressed) out.push('-c');
  if (f.embeddedData) out.push('-e');
  return out;
}

/** `send [-w] [-p] [-b] [-L] [-c] [-e] [-i|-I from] snap` or `send -t TOKEN`; dryRun adds `-nvP` for estimates. */
export function computeSendArgv(args: SendArgs, dryRun = false, progress = false): string[] {
  // -v -P (progress): estimates, then the bytes sent every second, on stderr (send-progress.ts)
  const head = dryRun ? ['send', '-n', '-v', '-P'] : progress ? ['send', '-v', '-P'] : ['send'];
  switch (args.kind) {
    case 'resume': return [...head, '-t', args.token];
    case 'full': return [...head, ...sendFlagArgs(args.flags), args.snapshot];
    case 'incremental':
      return [...head, ...sendFlagArgs(args.flags), args.intermediates ? '-I' : '-i', args.from, args.snapshot];
  }
}

/** `receive [-s] [-F] [-u] [-o origin=S] [-o p=v]... [-x p]... DATASET` (the stream names the snapshot). */
export function computeReceiveArgv(args: ReceiveArgs): string[] {
  const out = ['receive'];
  if (args.resumable) out.push('-s');
  if (args.force) out.push('-F');
  if (args.noMount) out.push('-u');
  if (args.origin !== undefined) out.push('-o', `origin=${args.origin}`);
  for (const [k, v] of Object.entries(args.override)) out.push('-o', `${k}=${v}`);
  for (const p of args.inherit) out.push('-x', p);
  out.push(args.dataset);
  return out;
}

/** Splits items into groups whose summed argv bytes (with `perItem` more each: its NUL, and its pointer where the
 *  budget counts those) stay within maxBytes; never an empty group. */
export function computeArgvBatches(items: string[], maxBytes = MAX_ARGV_BYTES, perItem = 1): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let size = 0;
  for (const it of items) {
    const n = Buffer.byteLength(it) + perItem;
    if (cur.length > 0 && size + n > maxBytes) { out.push(cur); cur = []; size = 0; }
    cur.push(it);
    size += n;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

export interface DestroyPlan {
  /** `fs@a,b,c` arguments, one per command */
  snapshotArgs: string[];
  /** `fs#b`, one per command */
  bookmarks: string[];
  /** datasets (no @ or #): not destroyed by this layer */
  other: string[];
}

/** Groups snapshots per dataset as `fs@a,b,c` (first-seen order, duplicates dropped), splitting a group whose
 *  argument would exceed maxBytes; bookmarks one by one (OpenZFS destroys one bookmark per command). */
export function computeDestroyPlan(names: string[], maxBytes = MAX_ARGV_BYTES): DestroyPlan {
  const groups = new Map<string, string[]>();
  const bookmarks: string[] = [];
  const other: string[] = [];
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) continue;
    seen.add(n);
    const at = n.indexOf('@');
    const hash = n.indexOf('#');
    if (at > 0) {
      const fs = n.slice(0, at);
      let g = groups.get(fs);
      if (!g) groups.set(fs, (g = []));
      g.push(n.slice(at + 1));
    } else if (hash > 0) bookmarks.push(n);
    else other.push(n);
  }
  const snapshotArgs: string[] = [];
  for (const [fs, snaps] of groups) {
    const head = Buffer.byteLength(`${fs}@`);
    let cur: string[] = [];
    let size = head;
    for (const s of snaps) {
      const n = Buffer.byteLength(s) + (cur.length > 0 ? 1 : 0);
      if (cur.length > 0 && size + n > maxBytes) { snapshotArgs.push(`${fs}@${cur.join(',')}`); cur = []; size = head; }
      size += Buffer.byteLength(s) + (cur.length > 0 ? 1 : 0);
      cur.push(s);
    }
    snapshotArgs.push(`${fs}@${cur.join(',')}`);
  }
  return { snapshotArgs, bookmarks, other };
}

/** Pool of a dataset/snapshot/bookmark name. */
export function computePool(name: string): string {
  return name.split(/[/@#]/)[0]!;
}

/** Snapshot names grouped by pool, in first-seen order (`zfs snapshot` across pools fails with EXDEV). */
export function computeSnapshotGroups(snapshots: string[]): string[][] {
  // a set per pool: `includes` on the group made 20,000 due snapshots cost 6.5 s of CPU (quadratic)
  const groups = new Map<string, Set<string>>();
  for (const s of snapshots) {
    const p = computePool(s);
    let g = groups.get(p);
    if (!g) groups.set(p, (g = new Set()));
    g.add(s);
  }
  return [...groups.values()].map((g) => [...g]);
}
