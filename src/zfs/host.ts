// CommandZfsHost: the ZfsHost interface over the zfs command line on any Executor (local or SSH), with
// idempotent semantics (an existing hold, a missing tag or an already destroyed snapshot are fine).
import type { CommandObserver, ExecPipe, Executor, StderrFilter } from './exec.js';
import type {
  BookmarkGroupFailure, BookmarkOp, DatasetRecord, Features, HoldRecord, Listing, ReceiveArgs, ResumeTokenInfo, SendArgs, WireSide, ZfsHost, ZfsProcess,
} from './types.js';
import { computeCompressedSendArgv, computeDecompressedReceiveArgv, computeFindProgramsArgv, parseFoundPrograms } from './wire.js';
import { PLACEHOLDER_PROPERTY } from './names.js';
import { ZfsError, computeErrorLines, makeOptionLikeError, parseItemFailures, type ZfsErrorCode } from './errors.js';
import { makeZfsError, runZfs, runZfsResult, startZfs, type RunResult } from './run.js';
import {
  MAX_ARGV_BYTES, computeArgvBatches, computeOptionLikeOperand, computeDestroyPlan, computeListArgv, computePlaceholderArgv, computePool, computePoolCheckArgv, computePlaceholderCheckArgv, computeSlices, computeVersionListArgv, computeReceiveArgv,
  computeSendArgv, computeSnapshotGroups,
} from './argv.js';
import { BOOKKEEPING_PROGRAM, computeOpFailureLine, computeOpPool, parseProgramResult, runBookmarkGroups, runOneByOne } from './program.js';
import { VersionTable, makeListing } from './version-table.js';
import { HoldsParser, ListParser, computeRootsNest, parseNameValues, parsePlaceholderCheck, parsePlaceholders, parseProperties } from './parse.js';
import { computeFeatures, parseResumeToken, parseSendEstimate, parseVersion } from './parse-send.js';
import { runHookCommand, type HookResult, type HookRun } from './hook.js';

export interface CommandZfsHostOptions {
  /** argv prefix, e.g. ["sudo", "-n"] (HostConfig.privilege) */
  privilege?: string[];
  observer?: CommandObserver;
}

/** Whether a failed command failed only because of items named in `benign` codes (every error line accounted for). */
export function computeOnlyBenignFailures(stderr: string, benign: ZfsErrorCode[]): boolean {
  const lines = computeErrorLines(stderr);
  const items = parseItemFailures(stderr);
  return lines.length > 0 && items.length === lines.length && items.every((f) => benign.includes(f.code));
}

/** The stderr of a per-item command without the lines of items that failed benignly (the error names what did fail). */
export function computeWithoutBenign(stderr: string, benign: ZfsErrorCode[]): string {
  const lines = computeErrorLines(stderr).filter((l) => {
    const item = parseItemFailures(l)[0];
    return !item || !benign.includes(item.code);
  });
  return lines.length > 0 ? lines.join('\n') + '\n' : stderr;
}

/** Whether `zfs list/get/holds` failed only because some of the given names do not exist (libzfs says "no such pool
 *  or dataset" for a missing bookmark of an existing dataset). */
const MISSING_LINE = /^cannot open '([^']+)': (?:dataset does not exist|no such pool or dataset)$/;

/** Whether a zfs command failed only because some of the named datasets (or snapshots) do not exist. */
export function computeOnlyMissing(r: RunResult, names: string[]): boolean {
  if (r.code === 0) return true;
  if (r.signal !== null) return false;
  const lines = computeErrorLines(r.stderr);
  const wanted = new Set(names);
  return lines.length > 0 && lines.every((l) => {
    const m = MISSING_LINE.exec(l);
    return m !== null && wanted.has(m[1]!);
  });
}

/** The held snapshots of a version listing (full name → userrefs): those whose holds are asked for. */
function computeHeld(table: VersionTable): Map<string, number> {
  const held = new Map<string, number>();
  for (const seg of table.segments) {
    for (let i = 0; i < seg.length; i++) if (seg.isSnapshot(i) && seg.userrefsAt(i) > 0) held.set(`${seg.dataset(i)}@${seg.name(i)}`, seg.userrefsAt(i));
  }
  return held;
}

function withAbsentPools(listing: Listing, pools: string[]): Listing {
  if (pools.length > 0) listing.absentPools = pools;
  return listing;
}

/** The names a zfs command reported as not existing. */
export function computeMissingNames(r: RunResult): string[] {
  if (r.code === 0) return [];
  return computeErrorLines(r.stderr).map((l) => MISSING_LINE.exec(l)?.[1]).filter((n): n is string => n !== undefined);
}

/** `zfs list` commands at once per listing for the snapshots and bookmarks (measured in bench/09); 4 keeps a plan's
 *  two sides on one SSH host within OpenSSH's 10 sessions. */
export const LIST_CONCURRENCY = 4;
/** Datasets a slice has at least: a small tree takes one command. */
export const LIST_MIN_SLICE = 16;

export class CommandZfsHost implements ZfsHost {
  readonly name: string;
  private readonly privilege: string[];
  private readonly observer?: CommandObserver;
  private featuresP: Promise<Features> | null = null;
  /** false once this host refused a channel program: bookmark batches then take one command per operation */
  private programs = true;

  constructor(private readonly exec: Executor, opts: CommandZfsHostOptions = {}) {
    this.name = exec.host;
    this.privilege = opts.privilege ?? [];
    this.observer = opts.observer;
  }

  /** The full argv of a zfs subcommand on this host. */
  argv(args: string[]): string[] {
    const optionLike = computeOptionLikeOperand(args);
    if (optionLike !== null) throw makeOptionLikeError(this.name, args, optionLike);
    return [...this.privilege, 'zfs', ...args];
  }

  private run(args: string[]): Promise<{ stdout: string; stderr: string }> {
    return runZfs(this.exec, this.argv(args), { observer: this.observer });
  }

  private runResult(args: string[], onStdout?: (chunk: Buffer) => void, input?: string): Promise<RunResult> {
    return runZfsResult(this.exec, this.argv(args), { observer: this.observer, onStdout, input });
  }

  private fail(args: string[], r: RunResult): never {
    throw makeZfsError(this.name, this.argv(args), r);
  }

  async list(roots: string[]): Promise<Listing> {
    const listArgs = computeListArgv(roots);
    const parser = new ListParser({ nested: computeRootsNest(roots) });
    const lr = await this.runResult(listArgs, (chunk) => parser.push(chunk));
    if (!computeOnlyMissing(lr, roots)) this.fail(listArgs, lr);
    let { datasets } = parser.end();
    const absentPools = await this.absentPoolsOf(computeMissingNames(lr), datasets);
    if (datasets.length === 0) return withAbsentPools(makeListing(datasets, VersionTable.EMPTY, []), absentPools);
    // which datasets have zform:placeholder=on set locally (inherited is not a placeholder), asked while the
    // snapshots and then their holds are listed (it walks every dataset of the roots: on a large target, seconds);
    // the holds wait for the snapshots only, not for the placeholders' second command (one round less on a target)
    const versionsP = this.listVersions(datasets.map((d) => d.name));
    const holdsP = versionsP.then(({ table }) => this.listHolds(computeHeld(table)));
    const placeholdersP = this.listPlaceholders(roots, datasets);
    // all settled before any failure is thrown: no command of this listing outlives it
    const [versions, holds, placeholderNames] = await Promise.allSettled([versionsP, holdsP, placeholdersP]);
    if (versions.status === 'rejected') throw versions.reason;
    if (holds.status === 'rejected') throw holds.reason;
    if (placeholderNames.status === 'rejected') throw placeholderNames.reason;
    const { table, gone } = versions.value;
    const placeholders = placeholderNames.value;
    // a dataset destroyed or renamed between the two listings is listed as it is now: gone
    if (gone.size > 0) datasets = datasets.filter((d) => !gone.has(d.name));
    for (const d of datasets) d.placeholder = placeholders.has(d.name);
    return withAbsentPools(makeListing(datasets, table, holds.value), absentPools);
  }

  /** Of the pools of missing roots (below a pool: `backup/zform`, not `backup`), those that do not exist: one `zfs
   *  list` of their root datasets, only when a root is missing and no dataset of its pool was listed. */
  private async absentPoolsOf(missingRoots: string[], listed: DatasetRecord[]): Promise<string[]> {
    const below = missingRoots.filter((r) => r.includes('/'));
    if (below.length === 0) return []; // the usual listing: nothing more to do, not even a pass over the datasets
    const seen = new Set(listed.map((d) => computePool(d.name)));
    const pools = [...new Set(below.map(computePool))].filter((p) => !seen.has(p)).sort();
    if (pools.length === 0) return [];
    const args = computePoolCheckArgv(pools);
    const r = await this.runResult(args);
    if (!computeOnlyMissing(r, pools)) this.fail(args, r);
    return computeMissingNames(r).filter((n) => pools.includes(n)).sort();
  }

  /**
   * The snapshots and bookmarks of the datasets, parsed as they stream (a listing of millions of lines is never held
   * whole), sorted by dataset and createtxg. zfs reads each snapshot's properties by opening it: a random metadata
   * read, which is most of a large listing's time on a cold cache (and all of it on an unmounted backup target). So
   * the datasets, in name order, go to up to LIST_CONCURRENCY commands at once, each over a contiguous slice; their
   * outputs, each sorted, join in slice order. A dataset that no longer exists is in `gone`.
   */
  private async listVersions(datasets: string[]): Promise<{ table: VersionTable; gone: Set<string> }> {
    const sorted = [...datasets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const budget = this.exec.argvBudget;
    const gone = new Set<string>();
    const slices = computeSlices(sorted, Math.min(LIST_CONCURRENCY, Math.ceil(sorted.length / LIST_MIN_SLICE)));
    const settled = await Promise.allSettled(slices.map(async (slice) => {
      const parts: VersionTable[] = [];
      for (const batch of computeArgvBatches(slice, budget?.bytes, budget?.perArgument)) {
        const args = computeVersionListArgv(batch);
        const parser = new ListParser({ nested: false, versionsOnly: true });
        const r = await this.runResult(args, (chunk) => parser.push(chunk));
        if (!computeOnlyMissing(r, batch)) this.fail(args, r);
        for (const name of computeMissingNames(r)) gone.add(name);
        parts.push(parser.end().table);
      }
      return parts;
    }));
    const parts: VersionTable[] = [];
    for (const s of settled) {
      if (s.status === 'rejected') throw s.reason;
      parts.push(...s.value);
    }
    return { table: VersionTable.concat(parts), gone };
  }

  /**
   * The names under the roots listed (those of `datasets`) whose zform:placeholder is "on" locally. A root destroyed
   * since the listing has none. One recursive `get` answers when it has exactly one line for each dataset listed
   * (parsePlaceholderCheck, as for the check by name): anyone who may set a property on a dataset of theirs could
   * forge a line for any other in its value, but a forged line is always one line too many. Otherwise (such a value,
   * roots that nest, a dataset made or destroyed since the listing) the names it shows "on" are candidates only
   * (parsePlaceholders), asked again by name, in one command whose lines can be told apart, or (if a value with a
   * newline made that impossible) one command each, which only its own value can reach. A dataset destroyed meanwhile
   * is no placeholder.
   */
  private async listPlaceholders(roots: string[], datasets: DatasetRecord[]): Promise<Set<string>> {
    const names = new Set(datasets.map((d) => d.name));
    const existingRoots = roots.filter((r) => names.has(r));
    const getArgs = computePlaceholderArgv(existingRoots, PLACEHOLDER_PROPERTY);
    const gr = await this.runResult(getArgs);
    if (!computeOnlyMissing(gr, existingRoots)) this.fail(getArgs, gr);
    const exact = gr.code === 0 ? parsePlaceholderCheck(gr.stdout, [...names]) : null;
    if (exact !== null) return exact;
    const out = new Set<string>();
    const budget = this.exec.argvBudget;
    for (const batch of computeArgvBatches([...parsePlaceholders(gr.stdout, names)], budget?.bytes, budget?.perArgument)) {
      const checked = await this.checkPlaceholders(batch);
      for (const name of checked ?? []) out.add(name);
      if (checked !== null) continue;
      for (const name of batch) for (const one of (await this.checkPlaceholders([name])) ?? []) out.add(one);
    }
    return out;
  }

  /** Which of the named datasets have zform:placeholder "on" locally, or null when the answer's lines cannot be told
   *  apart (parsePlaceholderCheck) or one of them no longer exists. */
  private async checkPlaceholders(datasets: string[]): Promise<Set<string> | null> {
    const args = computePlaceholderCheckArgv(datasets, PLACEHOLDER_PROPERTY);
    const r = await this.runResult(args);
    if (!computeOnlyMissing(r, datasets)) this.fail(args, r);
    return r.code === 0 ? parsePlaceholderCheck(r.stdout, datasets) : null;
  }

  /** `zfs holds -H` of the snapshots (name → userrefs); a snapshot destroyed meanwhile contributes nothing. OpenZFS
   *  lists holds only of snapshots named one by one (`-r` matches one short name under a dataset), so the names go in
   *  batches as large as the executor allows: about 1 MiB locally, 100 KiB over SSH (one remote command string). */
  private async listHolds(userrefs: Map<string, number>): Promise<HoldRecord[]> {
    const out: HoldRecord[] = [];
    const budget = this.exec.argvBudget;
    for (const batch of computeArgvBatches([...userrefs.keys()], budget?.bytes, budget?.perArgument)) {
      const holds = await this.holdsOf(batch);
      // A tag with a newline can forge a line of another snapshot named here: that one then shows more holds than
      // its userrefs, and is asked again on its own, where only its own tags reach. (More holds than listed also
      // come from a hold added since: asking again is right for that too.)
      const count = new Map<string, number>();
      for (const h of holds) count.set(h.snapshot, (count.get(h.snapshot) ?? 0) + 1);
      const again = new Set(batch.filter((s) => (count.get(s) ?? 0) > userrefs.get(s)!));
      for (const h of holds) if (!again.has(h.snapshot)) out.push(h);
      for (const s of again) for (const h of await this.holdsOf([s])) out.push(h);
    }
    return out;
  }

  /** `zfs holds -H` of the snapshots: the lines of those snapshots (the rest of a tag with a newline passed over). */
  private async holdsOf(snapshots: string[]): Promise<HoldRecord[]> {
    const args = ['holds', '-H', ...snapshots];
    const parser = new HoldsParser(new Set(snapshots));
    const r = await this.runResult(args, (chunk) => parser.push(chunk));
    if (!computeOnlyMissing(r, snapshots)) this.fail(args, r);
    return parser.end();
  }

  /** One `zfs snapshot` per pool, atomic; a pool's names beyond the host's argument limit (over SSH ~4,000 names of
   *  25 bytes, locally tens of thousands) go in as few more commands as fit, each atomic. A command that fails after
   *  others succeeded throws its error with `taken`, the snapshots that exist now (src/apply/execute.ts). */
  async snapshot(snapshots: string[]): Promise<void> {
    const budget = this.exec.argvBudget;
    const taken: string[] = [];
    for (const group of computeSnapshotGroups(snapshots)) {
      for (const batch of computeArgvBatches(group, budget?.bytes, budget?.perArgument)) {
        try {
          await this.run(['snapshot', ...batch]);
        } catch (err) {
          if (taken.length > 0 && err instanceof Error) Object.assign(err, { taken });
          throw err;
        }
        taken.push(...batch);
      }
    }
  }

  async bookmark(snapshot: string, bookmark: string): Promise<void> {
    const args = ['bookmark', snapshot, bookmark];
    const r = await this.runResult(args);
    if (r.code === 0) return;
    const err = makeZfsError(this.name, this.argv(args), r);
    if (err.code !== 'bookmark_exists') throw err;
    const { stdout } = await this.run(['get', '-H', '-p', '-o', 'name,value', 'guid', snapshot, bookmark]);
    const guids = parseNameValues(stdout);
    if (guids.get(snapshot) === undefined || guids.get(snapshot) !== guids.get(bookmark)) throw err;
  }

  async bookmarkGroups(groups: BookmarkOp[][]): Promise<(BookmarkGroupFailure | null)[]> {
    const { results, refused } = await runBookmarkGroups(groups, {
      programs: this.programs,
      budget: this.exec.argvBudget ?? { bytes: MAX_ARGV_BYTES, perArgument: 1 },
      program: async (batch) => {
        const r = await this.runResult(['program', '-j', batch.pool, '-', ...batch.args], undefined, BOOKKEEPING_PROGRAM);
        return r.code === 0 ? parseProgramResult(r.stdout) : null;
      },
      oneByOne: (group, from) => runOneByOne(this, group, from),
      failure: (op, errno) => new ZfsError({ host: this.name, argv: this.argv(['program', '-j', computeOpPool(op), '-']), stderr: computeOpFailureLine(op, errno) + '\n', exitCode: 0 }),
    });
    if (refused) this.programs = false;
    return results;
  }

  async hold(tag: string, snapshots: string[]): Promise<void> {
    // zfs hold takes each snapshot on its own: a failure for one (tag exists) does not undo the others.
    await this.perSnapshot(['hold', tag], snapshots, ['tag_exists']);
  }

  async release(tag: string, snapshots: string[]): Promise<void> {
    await this.perSnapshot(['release', tag], snapshots, ['no_such_tag', 'dataset_does_not_exist']);
  }

  private async perSnapshot(head: string[], snapshots: string[], benign: ZfsErrorCode[]): Promise<void> {
    for (const batch of computeArgvBatches([...new Set(snapshots)])) {
      const args = [...head, ...batch];
      const r = await this.runResult(args);
      if (r.code !== 0 && !computeOnlyBenignFailures(r.stderr, benign)) this.fail(args, { ...r, stderr: computeWithoutBenign(r.stderr, benign) });
    }
  }

  async destroy(names: string[]): Promise<void> {
    const plan = computeDestroyPlan(names);
    if (plan.other.length > 0) throw new TypeError(`destroy: not a snapshot or bookmark: ${plan.other.join(', ')}`);
    let busy: ZfsError | null = null;
    for (const arg of plan.snapshotArgs) {
      const e = await this.destroySnapshots(arg);
      busy ??= e;
    }
    for (const b of plan.bookmarks) {
      const args = ['destroy', b];
      const r = await this.runResult(args);
      if (r.code !== 0 && !computeOnlyBenignFailures(r.stderr, ['dataset_does_not_exist'])) this.fail(args, r);
    }
    if (busy) throw busy;
  }

  /** One `zfs destroy fs@a,b,c`. It is all or nothing: when some are held (busy), the rest are destroyed by a
   *  retry and the busy error is returned for the caller to throw after its other work. */
  private async destroySnapshots(arg: string): Promise<ZfsError | null> {
    const at = arg.indexOf('@');
    const fs = arg.slice(0, at);
    let snaps = arg.slice(at + 1).split(',');
    let firstBusy: ZfsError | null = null;
    while (snaps.length > 0) {
      const args = ['destroy', `${fs}@${snaps.join(',')}`];
      const r = await this.runResult(args);
      if (r.code === 0) break;
      const lines = computeErrorLines(r.stderr);
      if (lines.length > 0 && lines.every((l) => /^could not find any snapshots to destroy/.test(l) || l === `cannot open '${fs}': dataset does not exist`)) break;
      const items = parseItemFailures(r.stderr);
      const busyNames = new Set(items.filter((f) => f.code === 'dataset_busy').map((f) => f.name.slice(f.name.indexOf('@') + 1)));
      if (items.length !== lines.length || busyNames.size === 0 || items.some((f) => f.code !== 'dataset_busy')) this.fail(args, r);
      firstBusy ??= makeZfsError(this.name, this.argv(args), r);
      const rest = snaps.filter((s) => !busyNames.has(s));
      if (rest.length === snaps.length) this.fail(args, r);
      snaps = rest;
    }
    return firstBusy;
  }

  async getProperties(dataset: string, props: string[]): Promise<Record<string, string>> {
    if (props.length === 0) return {};
    const { stdout } = await this.run(['get', '-H', '-p', '-o', 'property,value', props.join(','), dataset]);
    return parseProperties(stdout);
  }

  async getGuids(names: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const batch of computeArgvBatches([...new Set(names)])) {
      const args = ['get', '-H', '-p', '-o', 'name,value', 'guid', ...batch];
      const r = await this.runResult(args);
      if (!computeOnlyMissing(r, batch)) this.fail(args, r);
      for (const [n, g] of parseNameValues(r.stdout)) out.set(n, g);
    }
    return out;
  }

  async setProperties(dataset: string, props: Record<string, string>): Promise<void> {
    const pairs = Object.entries(props).map(([k, v]) => `${k}=${v}`);
    if (pairs.length === 0) return;
    await this.run(['set', ...pairs, dataset]);
  }

  async create(dataset: string, props: Record<string, string>): Promise<void> {
    const opts = Object.entries(props).flatMap(([k, v]) => ['-o', `${k}=${v}`]);
    await this.run(['create', ...opts, dataset]);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.run(['rename', from, to]);
  }

  async destroyDataset(dataset: string): Promise<void> {
    if (/[@#]/.test(dataset)) throw new TypeError(`destroyDataset: not a dataset: ${dataset}`);
    await this.run(['destroy', dataset]);
  }

  async rollback(snapshot: string, destroyNewer: boolean): Promise<void> {
    await this.run(['rollback', ...(destroyNewer ? ['-r'] : []), snapshot]);
  }

  send(args: SendArgs, wire?: WireSide): ZfsProcess {
    if (!wire) return startZfs(this.exec, this.argv(computeSendArgv(args)), { stdin: 'ignore', observer: this.observer });
    const argv = computeCompressedSendArgv(this.argv(computeSendArgv(args, false, wire.progress !== undefined)), wire.compression);
    return startZfs(this.exec, argv, { stdin: 'ignore', observer: this.observer, processGroup: true, ...(wire.progress ? { stderrFilter: wire.progress } : {}) });
  }

  receive(args: ReceiveArgs, wire?: WireSide): ZfsProcess {
    if (!wire) return startZfs(this.exec, this.argv(computeReceiveArgv(args)), { stdin: 'pipe', observer: this.observer });
    const argv = computeDecompressedReceiveArgv(this.argv(computeReceiveArgv(args)), wire.compression);
    return startZfs(this.exec, argv, { stdin: 'pipe', observer: this.observer, processGroup: true });
  }

  async findPrograms(programs: string[]): Promise<string[]> {
    if (programs.length === 0) return [];
    const argv = computeFindProgramsArgv(programs);
    const r = await runZfsResult(this.exec, argv, { observer: this.observer });
    if (r.code !== 0) throw makeZfsError(this.name, argv, r);
    return parseFoundPrograms(r.stdout, programs);
  }

  runHook(run: HookRun): Promise<HookResult> {
    return runHookCommand(this.exec, run, this.observer);
  }

  /** Whether this host's processes can be joined by a pipe (both ends on this machine: transfer-direct.ts). */
  get directPipes(): boolean {
    return this.exec.directPipes === true;
  }

  /** `zfs send -v -P` whose stdout stays a pipe for receiveFrom; `progress` reads its stderr (send-progress.ts). */
  sendDirect(args: SendArgs, progress: StderrFilter): ZfsProcess {
    return startZfs(this.exec, this.argv(computeSendArgv(args, false, true)), { stdin: 'ignore', stdout: 'direct', stderrFilter: progress, observer: this.observer });
  }

  /** `zfs receive` reading the stdout pipe of a sendDirect process (same tick: transfer-direct.ts). */
  receiveFrom(args: ReceiveArgs, pipe: ExecPipe): ZfsProcess {
    return startZfs(this.exec, this.argv(computeReceiveArgv(args)), { stdin: pipe, observer: this.observer });
  }

  async abortResumableReceive(dataset: string): Promise<void> {
    const args = ['receive', '-A', dataset];
    const r = await this.runResult(args);
    if (r.code === 0) return;
    const err = makeZfsError(this.name, this.argv(args), r);
    if (err.code !== 'no_resumable_state' && err.code !== 'dataset_does_not_exist') throw err;
  }

  async decodeResumeToken(token: string): Promise<ResumeTokenInfo> {
    const args = ['send', '-n', '-v', '-t', token];
    // `zfs send -nvt` prints the token's contents and then exits 1 when the token's snapshot no longer
    // exists on this host: the contents are still what the planner needs to explain an abort.
    const r = await this.runResult(args);
    if (r.code !== 0 && !/resume token contents:/.test(r.stdout)) throw makeZfsError(this.name, this.argv(args), r);
    const stdout = r.stdout;
    try {
      return parseResumeToken(stdout);
    } catch (cause) {
      throw new ZfsError({
        host: this.name, argv: this.argv(args), stderr: '', exitCode: 0, code: 'resume_token_corrupt',
        shortMessage: `zfs send on ${this.name}: cannot decode resume token: ${cause instanceof Error ? cause.message : String(cause)}`, cause,
      });
    }
  }

  async estimateSend(args: SendArgs): Promise<number> {
    const { stdout, stderr } = await this.run(computeSendArgv(args, true));
    try {
      return parseSendEstimate(stdout);
    } catch (err) {
      // OpenZFS before 2.0 printed the dry run's -P lines to stderr
      try { return parseSendEstimate(stderr); } catch { throw err; }
    }
  }

  features(): Promise<Features> {
    this.featuresP ??= this.probeFeatures().catch((err: unknown) => { this.featuresP = null; throw err; });
    return this.featuresP;
  }

  /** Two commands: `zfs version` (absent before 0.8) and the usage of every subcommand (`zfs -?`). */
  private async probeFeatures(): Promise<Features> {
    const v = await this.runResult(['version']);
    const usageArgs = ['-?'];
    const u = await this.runResult(usageArgs);
    const usage = u.stdout + u.stderr;
    if (!/\bsend\b/.test(usage)) this.fail(usageArgs, u);
    return computeFeatures(v.code === 0 ? parseVersion(v.stdout) : null, usage);
  }

  async close(): Promise<void> {
    await this.exec.close();
  }
}
