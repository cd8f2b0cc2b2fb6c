// Shared by test/real/apply-*.test.ts: run bin/zform as a user would (a YAML config in a temp folder, a private
// lock folder, no colour), read ZFS state with plain zfs commands, and compute from a plan the holds and bookmarks
// that must be on disk after applying it.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import assert from 'node:assert/strict';
import { q, sh, shResult } from './lib.js';
import type { Action, Plan, VersionRef } from '../../src/plan/types.js';
import { makeCursorName, makeTentativeCursorName } from '../../src/zfs/names.js';

/** The checkout (dist/test/real/ → three levels up). */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = path.join(REPO, 'bin', 'zform');

export interface RunResult {
  /** exit code, null when killed by a signal */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A zform process that is still running: its stdout lines so far, and a wait for a line. */
export class Running {
  readonly pid: number;
  readonly lines: string[] = [];
  readonly done: Promise<RunResult>;
  private waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  private readonly child: ReturnType<typeof spawn>;

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn('node', [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const t0 = Date.now();
    if (process.env.ZFORM_TEST_TIMING) this.child.once('close', () => process.stderr.write(`[timing] zform ${args.join(' ')}: ${Date.now() - t0} ms\n`));
    this.pid = this.child.pid!;
    let stdout = '';
    let stderr = '';
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const rl = createInterface({ input: this.child.stdout! });
    rl.on('line', (l) => {
      stdout += l + '\n';
      this.lines.push(l);
      for (const w of [...this.waiters]) if (w.pred(l)) { this.waiters.splice(this.waiters.indexOf(w), 1); w.resolve(l); }
    });
    const closed = new Promise<void>((r) => rl.once('close', r));
    this.done = new Promise((resolve) => {
      this.child.once('close', (code, signal) => { void closed.then(() => resolve({ code, signal, stdout, stderr })); });
    });
  }

  /** The first stdout line (past or future) that satisfies pred; fails with everything printed after timeoutMs. */
  async waitForLine(pred: (l: string) => boolean, what: string, timeoutMs = 120_000): Promise<string> {
    const seen = this.lines.find(pred);
    if (seen !== undefined) return seen;
    let timer: NodeJS.Timeout | undefined;
    const found = new Promise<string>((resolve) => this.waiters.push({ pred, resolve }));
    const ended = this.done.then((r) => { throw new Error(`zform ended (exit ${r.code ?? r.signal}) before ${what}:\n${r.stdout}\n${r.stderr}`); });
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms:\n${this.lines.join('\n')}`)), timeoutMs); });
    try { return await Promise.race([found, ended, timeout]); } finally { clearTimeout(timer); }
  }

  kill(signal: NodeJS.Signals): void { this.child.kill(signal); }
}

/** One folder per test file: config files, saved plans, the lock folder. */
export class Zform {
  readonly dir = mkdtempSync('/tmp/zform-apply-');
  readonly lockDir = path.join(this.dir, 'locks');
  readonly env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ZFORM_LOCK_DIR: this.lockDir };

  /** Writes a config file into the folder; returns its path. */
  config(name: string, yaml: string): string {
    const file = path.join(this.dir, name);
    writeFileSync(file, yaml);
    return file;
  }

  file(name: string): string { return path.join(this.dir, name); }

  /** Runs zform to its end, stdin from /dev/null (not a terminal). */
  run(args: string[]): Promise<RunResult> {
    return new Running(args, this.env).done;
  }

  start(args: string[]): Running { return new Running(args, this.env); }

  /** `zform plan -c cfg --json [--out FILE]`: the plan value. */
  async plan(cfg: string, out?: string): Promise<Plan> {
    const r = await this.run(['plan', '-c', cfg, '--json', ...(out ? ['--out', out] : [])]);
    assert.equal(r.code, 0, `zform plan failed:\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(r.stdout) as Plan;
  }

  /** `zform plan --detailed-exitcode` must say there is nothing to do (exit 0, "No changes."). */
  async assertNoChanges(cfg: string, ...args: string[]): Promise<void> {
    assertNoChangesIn(await this.run(['plan', '-c', cfg, '--detailed-exitcode', ...args]));
  }
}

/** A run of `zform plan --detailed-exitcode` that found nothing to do (exit 0, "No changes.", nothing on stderr). */
export function assertNoChangesIn(r: RunResult): void {
  assert.equal(r.code, 0, `a second plan has changes or failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^No changes\. ZFS matches the configuration\.$/m, r.stdout);
  assert.equal(r.stderr, '');
}

/** Fails with both outputs unless the run exited with `code`. */
export function assertExit(r: RunResult, code: number, what: string): void {
  assert.equal(r.code, code, `${what}: expected exit ${code}, got ${r.code ?? r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
}

/** name → guid of every dataset, snapshot and bookmark under root. */
export async function readGuids(root: string): Promise<Map<string, string>> {
  const out = await sh(`zfs list -H -p -r -t all -o name,guid ${q(root)}`);
  return new Map(out.trim().split('\n').filter(Boolean).map((l) => l.split('\t') as [string, string]));
}

/** Snapshot names (after @) of a dataset, oldest first. */
export async function readSnapshots(dataset: string): Promise<string[]> {
  const out = await sh(`zfs list -H -p -d 1 -t snapshot -s createtxg -o name ${q(dataset)}`);
  return out.trim().split('\n').filter(Boolean).map((l) => l.slice(l.indexOf('@') + 1));
}

/** Asserts that every snapshot of every dataset under sourceRoot (that the filter keeps) is on the target with the same
 *  GUID, and that the target has no snapshot the source lacks. `targetOf` maps a source dataset to its target. */
export async function assertSameSnapshots(sourceRoot: string, targetOf: (source: string) => string, keep: (dataset: string) => boolean = () => true): Promise<void> {
  const src = await readGuids(sourceRoot);
  const datasets = [...src.keys()].filter((n) => !n.includes('@') && !n.includes('#') && keep(n));
  for (const ds of datasets) {
    const target = targetOf(ds);
    const dst = await readGuids(target);
    const mine = (m: Map<string, string>, d: string) => [...m].filter(([n]) => n.startsWith(`${d}@`)).map(([n, g]) => `${n.slice(d.length)} ${g}`).sort();
    assert.deepEqual(mine(dst, target), mine(src, ds), `snapshots of ${target} (GUIDs) equal those of ${ds}`);
  }
}

/** Every `tag` hold under the given roots as "snapshot tag", and every bookmark name, sorted. */
export interface Protection { holds: string[]; bookmarks: string[] }

export async function readProtection(roots: string[]): Promise<Protection> {
  const rs = roots.map(q).join(' ');
  const holds = await sh(`zfs list -H -o name -t snapshot -r ${rs} | xargs -r zfs holds -H`);
  const bookmarks = await sh(`zfs list -H -o name -t bookmark -r ${rs}`);
  return {
    holds: holds.trim().split('\n').filter(Boolean).map((l) => { const [s, t] = l.split('\t'); return `${s} ${t}`; }).sort(),
    bookmarks: bookmarks.trim().split('\n').filter(Boolean).sort(),
  };
}

function full(r: VersionRef): string { return `${r.dataset}${r.kind === 'snapshot' ? '@' : '#'}${r.name}`; }

/**
 * What must be on disk after a plan ran completely: the holds and bookmarks before, plus those its hold and bookmark
 * actions create, minus those its release and destroy_bookmarks actions remove. Bookmarks the plan names only after
 * apply (null name) are named from the snapshot's GUID, read after apply (`guidOf`).
 */
export function computeProtectionAfter(plan: Plan, before: Protection, guidOf: (snapshot: string) => string): Protection {
  const holds = new Set(before.holds);
  const bookmarks = new Set(before.bookmarks);
  const derive = (role: 'cursor' | 'tentative_cursor', snap: VersionRef, job: string): string => {
    const g = guidOf(full(snap));
    return `${snap.dataset}#${role === 'cursor' ? makeCursorName(g, job) : makeTentativeCursorName(g, job)}`;
  };
  for (const jp of plan.jobs) {
    const actions: Action[] = [...jp.snapshots, ...jp.datasets.flatMap((d) => d.actions)];
    for (const a of actions) {
      if (a.kind === 'hold') for (const s of a.snapshots) holds.add(`${full(s)} ${a.tag}`);
      if (a.kind === 'release') for (const s of a.snapshots) holds.delete(`${full(s)} ${a.tag}`);
      if (a.kind === 'bookmark') bookmarks.add(a.bookmark === null ? derive(a.role, a.snapshot, jp.job) : `${a.snapshot.dataset}#${a.bookmark}`);
      if (a.kind === 'destroy_bookmarks') {
        for (const b of a.bookmarks) bookmarks.delete(full(b));
        for (const d of a.derived ?? []) bookmarks.delete(derive(d.role, d.snapshot, jp.job));
      }
    }
  }
  return { holds: [...holds].sort(), bookmarks: [...bookmarks].sort() };
}

/** Every action of a plan, jobs in order, snapshots first. */
export function planActions(plan: Plan): Action[] {
  return plan.jobs.flatMap((j) => [...j.snapshots, ...j.datasets.flatMap((d) => d.actions)]);
}

/** The send actions of a plan as [target dataset, mode, from (short, or null), to (short)]. */
export function planSends(plan: Plan): [string, string, string | null, string][] {
  return planActions(plan).flatMap((a) => a.kind === 'send'
    ? [[a.targetDataset, a.mode, a.from ? `${a.from.kind === 'snapshot' ? '@' : '#'}${a.from.name}` : null, `@${a.to.name}`] as [string, string, string | null, string]]
    : []);
}

/** `#zform_CURSOR_G_<%016x guid>_J_<job>`, written out here rather than taken from src/zfs/names.ts. */
export function cursorName(guid: string, job: string): string {
  return `zform_CURSOR_G_${BigInt(guid).toString(16).padStart(16, '0')}_J_${job}`;
}

/** sha256 of every regular file of a mounted directory, as "relative-path hash" lines, sorted. */
export async function checksumDir(dir: string): Promise<string> {
  return sh(`cd ${q(dir)} && find . -xdev -type f -print0 | sort -z | xargs -0 -r sha256sum`);
}

/** The files of a snapshot of a mounted source filesystem, through its .zfs/snapshot folder. */
export async function checksumSnapshot(dataset: string, snapshot: string): Promise<string> {
  const mp = (await sh(`zfs get -H -o value mountpoint ${q(dataset)}`)).trim();
  return checksumDir(`${mp}/.zfs/snapshot/${snapshot}`);
}

let mounts = 0;
/** The files of a received filesystem, mounted read-only for the moment with mount.zfs (no property changes, no
 *  child mounted; a raw-received one needs its key loaded). */
export async function checksumReceived(dataset: string): Promise<string> {
  const mp = `/mnt/zform-check-${process.pid}-${++mounts}`;
  await sh(`mkdir -p ${mp} && mount -t zfs -o ro,zfsutil ${q(dataset)} ${mp}`);
  try {
    return await checksumDir(mp);
  } finally {
    await sh(`umount ${mp} && rmdir ${mp}`);
  }
}

/** The /dev/zdN of a zvol (no udev in the guest: asks zvol_id of each device), waiting for it to appear. */
export async function zvolDevice(volume: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const r = await shResult(`for d in /dev/zd*; do case "$d" in *p[0-9]*) continue;; esac; [ "$(/lib/udev/zvol_id "$d" 2>/dev/null)" = ${q(volume)} ] && echo "$d"; done; true`);
    const dev = r.stdout.trim().split('\n')[0];
    if (dev) return dev;
    await new Promise((r2) => setTimeout(r2, 100));
  }
  throw new Error(`no /dev/zd* device of ${volume} after 10 s`);
}

/** sha256 of the first `bytes` bytes of a zvol. */
export async function checksumZvol(volume: string, bytes: number): Promise<string> {
  const dev = await zvolDevice(volume);
  return (await sh(`head -c ${bytes} ${dev} | sha256sum`)).split(' ')[0]!;
}

/** Waits until no `zfs receive` (and no `zfs send`) runs in the guest: a killed zform's children end on their own. */
export async function waitForNoZfsTransfer(timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const r = await shResult(`pgrep -f '^zfs (receive|send) '`);
    if (r.code !== 0) return;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`zfs send/receive still running after ${timeoutMs} ms: ${(await shResult('pgrep -af "^zfs "')).stdout}`);
}

/** Waits until `dataset` shows a receive_resume_token while its `zfs receive -s` runs: the receive is past its BEGIN
 *  record, so a receive killed from now on keeps its resumable state (ZFS waits for a txg sync before it cleans up; a
 *  receive killed before that point leaves nothing: ZFS's rule, not zform's). On a loaded guest the sender can be
 *  megabytes ahead of a receive that has not begun (ssh's window, pipes), so a byte count alone does not tell. */
export async function waitForReceiveBegun(dataset: string, timeoutMs = 60_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const token = (await shResult(`zfs get -H -o value receive_resume_token ${q(dataset)}`)).stdout.trim();
    if (/^1-/.test(token)) return token;
    if (Date.now() >= end) throw new Error(`no receive_resume_token on ${dataset} within ${timeoutMs} ms (last: '${token}')`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** The target's receive_resume_token ('-' when none). */
export async function resumeToken(dataset: string): Promise<string> {
  return (await sh(`zfs get -H -o value receive_resume_token ${q(dataset)}`)).trim();
}

/** A uid-0 login with /bin/sh at the guest's own sshd (root's .bashrc on this machine is slow and noisy), its key and
 *  known_hosts; returns the `hosts.<name>.ssh` YAML block's values. */
export async function setupSshLogin(user: string): Promise<{ user: string; identityFile: string; knownHosts: string }> {
  const home = `/tmp/${user}`;
  await sh([
    `id ${user} >/dev/null 2>&1 || useradd -o -u 0 -g 0 -M -p '*' -d ${home} -s /bin/sh ${user}`,
    `mkdir -p ${home}/.ssh && chmod 700 ${home} ${home}/.ssh`,
    `[ -f ${home}/id ] || ssh-keygen -q -t ed25519 -N '' -C ${user} -f ${home}/id`,
    `cp ${home}/id.pub ${home}/.ssh/authorized_keys && chmod 600 ${home}/.ssh/authorized_keys`,
    `[ -s ${home}/known_hosts ] || ssh-keyscan -T 60 -p 22 127.0.0.1 2>/dev/null > ${home}/known_hosts`,
    `test -s ${home}/known_hosts`,
  ].join(' && '));
  return { user, identityFile: `${home}/id`, knownHosts: `${home}/known_hosts` };
}

let files = 0;
/** Writes random data into new files of mounted filesystems, [dataset, bytes] each, in one shell script. */
export async function writeData(...writes: [string, number][]): Promise<void> {
  await sh(writes.map(([ds, bytes]) => `head -c ${bytes} /dev/urandom > "$(zfs get -H -o value mountpoint ${q(ds)})/w${process.pid}-${++files}"`).join(' && '));
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** The event types of `apply --json` (man/zform.1). */
export const APPLY_EVENT_TYPES = ['apply_start', 'apply_progress', 'apply_complete', 'apply_errored', 'dataset_skipped', 'hook_done', 'change_summary'];

/**
 * The events of a finished `apply --json`, checked line by line: JSON, a documented type, an ISO @timestamp, a
 * @message; every event but the summary names one of `jobs` and a dataset under one of `roots` (a snapshot batch,
 * which spans datasets, has dataset null); exactly one change_summary, last.
 */
export function parseApplyEvents(stdout: string, jobs: string[], roots: string[]): Record<string, unknown>[] {
  const events = parseNdjson(stdout);
  const under = new RegExp(`^(${roots.join('|')})/`);
  for (const e of events) {
    const where = JSON.stringify(e);
    assert.ok(APPLY_EVENT_TYPES.includes(e.type as string), `undocumented type: ${where}`);
    assert.match(e['@timestamp'] as string, ISO_TIME, where);
    assert.equal(typeof e['@message'], 'string', where);
    if (e.type === 'change_summary') continue;
    if (e.type === 'hook_done') { assert.equal(e.dataset, null, where); continue; }
    assert.ok(jobs.includes(e.job as string), `job: ${where}`);
    if (e.type !== 'dataset_skipped' && (e.action as { kind: string }).kind === 'snapshot') assert.equal(e.dataset, null, where);
    else assert.match(e.dataset as string, under, where);
  }
  assert.deepEqual(events.map((e) => e.type === 'change_summary'), events.map((_, i) => i === events.length - 1), 'one change_summary, last');
  return events;
}

/** Parses NDJSON; every line must be a JSON object. */
export function parseNdjson(stdout: string): Record<string, unknown>[] {
  return stdout.trim().split('\n').filter(Boolean).map((l, i) => {
    try { return JSON.parse(l) as Record<string, unknown>; } catch { throw new Error(`line ${i + 1} of the --json output is not JSON: ${l}`); }
  });
}
