// FakeZfsHost: an in-memory ZfsHost that enforces OpenZFS 2.1's rules (checked against real ZFS by the contract suite
// in test/contract), runs the same commands CommandZfsHost would (counted), and a small builder for test layouts.
import type { CommandObserver } from './exec.js';
import type { BookmarkGroupFailure, BookmarkOp, Features, Guid, Listing, ReceiveArgs, ResumeTokenInfo, SendArgs, WireSide, ZfsHost, ZfsProcess } from './types.js';
import { COMPRESSION_PROGRAMS, computeCompressedSendArgv, computeDecompressedReceiveArgv, computeFindProgramsArgv } from './wire.js';
import { ZfsError, parseItemFailures, type ZfsErrorCode } from './errors.js';
import { computeOpFailureLine, computeOpPool, runBookmarkGroups, runOneByOne, type ProgramFailure } from './program.js';
import {
  MAX_ARGV_BYTES, computeArgvBatches, computeDestroyPlan, computeListArgv, computePlaceholderArgv, computeReceiveArgv, computeSendArgv,
  computeSnapshotGroups,
} from './argv.js';
import { PLACEHOLDER_PROPERTY } from './names.js';
import { computeOnlyBenignFailures, computeWithoutBenign } from './host.js';
import { FakeFailure, FakeState } from './fake-state.js';
import { FakeReceiveProcess, FakeSendProcess, type FakeProcessContext } from './fake-process.js';
import { parseFakeLayout } from './fake-layout.js';

export interface FakeZfsHostOptions {
  /** the clock for creation times and hold times */
  clock?: () => Date;
  features?: Partial<Features>;
  /** sees every command the fake runs, as CommandZfsHost's observer would */
  observer?: CommandObserver;
  /** whether `zfs program` runs here (false: as a host where only root may run channel programs, and we are not) */
  channelPrograms?: boolean;
  /** the programs findPrograms finds here (default: zstd, lz4, gzip) */
  programs?: string[];
}

/** The verbs failNext can make fail: ZfsHost's methods. */
export type FakeVerb = 'list' | 'snapshot' | 'bookmark' | 'program' | 'hold' | 'release' | 'destroy' | 'getProperties' | 'getGuids' | 'setProperties'
  | 'create' | 'rollback' | 'send' | 'receive' | 'abortResumableReceive' | 'decodeResumeToken' | 'estimateSend';

export const FAKE_DEFAULT_FEATURES: Features = {
  resumableReceive: true, encryption: true, bookmarks: true, rawSend: true, version: 'zfs-2.1.11-1+deb12u1',
};

export class FakeZfsHost implements ZfsHost {
  readonly name: string;
  /** every command run so far (argv as CommandZfsHost would run it) */
  readonly commandLog: string[][] = [];
  private readonly state: FakeState;
  private readonly clock: () => Date;
  private readonly featureSet: Features;
  private readonly observer?: CommandObserver;
  private featuresProbed = false;
  /** false once this host refused a channel program (as CommandZfsHost remembers it) */
  private programs = true;
  private readonly programsAllowed: boolean;
  private readonly programSet: string[];
  private readonly injected = new Map<FakeVerb, FakeFailure[]>();

  constructor(name: string, opts: FakeZfsHostOptions = {}) {
    this.name = name;
    this.clock = opts.clock ?? (() => new Date());
    this.featureSet = { ...FAKE_DEFAULT_FEATURES, ...opts.features };
    this.observer = opts.observer;
    this.programsAllowed = opts.channelPrograms ?? true;
    this.programSet = opts.programs ?? [...COMPRESSION_PROGRAMS];
    this.state = new FakeState(() => Math.floor(this.clock().getTime() / 1000));
  }

  /** How many zfs commands ran so far. */
  get commands(): number {
    return this.commandLog.length;
  }

  resetCommands(): void {
    this.commandLog.length = 0;
  }

  // ---- builder (no commands counted) ----

  createPool(name: string): this {
    this.build(() => this.state.createPool(name), ['zpool', 'create', name]);
    return this;
  }

  /** Applies builder lines (each argument may hold several lines), e.g.
   *  `fake.apply('pool pool', 'create pool/a', 'snapshot pool/a@s1', 'bookmark pool/a@s1 #b1', 'hold t pool/a@s1')`.
   *  See fake-layout.ts for the verbs. Throws the ZfsError a real command would. */
  apply(...lines: string[]): this {
    for (const step of parseFakeLayout(lines.join('\n'))) {
      this.build(() => {
        const s = this.state;
        switch (step.verb) {
          case 'pool': s.createPool(step.name); break;
          case 'create': s.create(step.name, step.props, step.volsize); break;
          case 'snapshot': s.snapshot(step.names); break;
          case 'bookmark': s.bookmark(step.source, step.bookmark); break;
          case 'hold': { const e = s.hold(step.tag, step.names); if (e.length > 0) throw new FakeFailure(e.join('\n')); break; }
          case 'release': { const e = s.release(step.tag, step.names); if (e.length > 0) throw new FakeFailure(e.join('\n')); break; }
          case 'write': s.write(step.name, step.bytes); break;
          case 'set': s.set(step.name, step.props); break;
          case 'destroy':
            for (const n of step.names) {
              if (n.includes('@')) s.destroySnapshots(n.slice(0, n.indexOf('@')), n.slice(n.indexOf('@') + 1).split(','));
              else if (n.includes('#')) s.destroyBookmark(n);
              else s.destroyDataset(n, step.recursive);
            }
            break;
          case 'rollback': s.rollback(step.name, step.recursive); break;
          case 'load-key': s.setKeyLoaded(step.name, true); break;
          case 'unload-key': s.setKeyLoaded(step.name, false); break;
        }
      }, ['zfs', ...step.line.split(/\s+/)]);
    }
    return this;
  }

  /** Adds `bytes` of data to a dataset (what `dd` into its mountpoint does). */
  write(dataset: string, bytes: number): this {
    this.build(() => this.state.write(dataset, bytes), ['zfs', 'write', dataset]);
    return this;
  }

  loadKey(dataset: string): this {
    this.build(() => this.state.setKeyLoaded(dataset, true), ['zfs', 'load-key', dataset]);
    return this;
  }

  unloadKey(dataset: string): this {
    this.build(() => this.state.setKeyLoaded(dataset, false), ['zfs', 'unload-key', dataset]);
    return this;
  }

  /** GUID of a dataset, snapshot (fs@s) or bookmark (fs#b), or undefined. */
  guidOf(name: string): Guid | undefined {
    return this.state.guidOf(name);
  }

  /** The next call of `verb` fails with this stderr (and no effect), e.g. failNext('receive', 'cannot receive
   *  incremental stream: out of space'). Queued: call it twice for two failures. */
  failNext(verb: FakeVerb, stderr: string, exitCode = 1): this {
    const q = this.injected.get(verb) ?? [];
    q.push(new FakeFailure(stderr, exitCode));
    this.injected.set(verb, q);
    return this;
  }

  private takeInjected(verb: FakeVerb): FakeFailure | undefined {
    return this.injected.get(verb)?.shift();
  }

  /** Runs a builder step; a rule it breaks throws the ZfsError of that command (argv as written in the layout). */
  private build(fn: () => void, argv: string[] = ['zfs']): void {
    try {
      fn();
    } catch (e) {
      if (e instanceof FakeFailure) throw this.error(argv, e.stderr, e.exitCode);
      throw e;
    }
  }

  // ---- the command choke point ----

  private error(argv: string[], stderr: string, code: number | null, signal: string | null = null): ZfsError {
    return new ZfsError({ host: this.name, argv, stderr: stderr.endsWith('\n') || stderr === '' ? stderr : stderr + '\n', exitCode: code, signal });
  }

  private record(args: string[]): string[] {
    return this.recordArgv(['zfs', ...args]);
  }

  /** A command that is not `zfs ARGS` itself (a pipeline around it, command -v), as CommandZfsHost runs it. */
  private recordArgv(argv: string[]): string[] {
    this.commandLog.push(argv);
    return argv;
  }

  private report(argv: string[], code: number | null, stderr: string): void {
    this.observer?.({ host: this.name, argv, durationMs: 0, code, stderr });
  }

  /** Runs one command: fn's failure becomes a ZfsError; returns fn's value. */
  private run<T>(verb: FakeVerb | null, args: string[], fn: () => T): T {
    const argv = this.record(args);
    try {
      const inj = verb ? this.takeInjected(verb) : undefined;
      if (inj) throw inj;
      const v = fn();
      this.report(argv, 0, '');
      return v;
    } catch (e) {
      if (!(e instanceof FakeFailure)) throw e;
      this.report(argv, e.exitCode, e.stderr);
      throw this.error(argv, e.stderr, e.exitCode);
    }
  }

  /** Runs one command whose failure is returned (for callers that accept some failures, as CommandZfsHost does). */
  private runResult(verb: FakeVerb | null, args: string[], fn: () => void): ZfsError | null {
    try {
      this.run(verb, args, fn);
      return null;
    } catch (e) {
      if (e instanceof ZfsError) return e;
      throw e;
    }
  }

  // ---- ZfsHost ----

  async list(roots: string[]): Promise<Listing> {
    // a missing root contributes nothing
    const listing = this.run('list', computeListArgv(roots), () => this.state.list(roots));
    if (listing.datasets.length === 0) return listing;
    const names = new Set(listing.datasets.map((d) => d.name));
    this.run(null, computePlaceholderArgv(roots.filter((r) => names.has(r)), PLACEHOLDER_PROPERTY), () => undefined);
    const held = listing.versions.filter((v) => v.kind === 'snapshot' && v.userrefs > 0).map((v) => `${v.dataset}@${v.name}`);
    for (const batch of computeArgvBatches(held)) this.run(null, ['holds', '-H', ...batch], () => undefined);
    return listing;
  }

  async snapshot(snapshots: string[]): Promise<void> {
    for (const group of computeSnapshotGroups(snapshots)) this.run('snapshot', ['snapshot', ...group], () => this.state.snapshot(group));
  }

  async bookmark(snapshot: string, bookmark: string): Promise<void> {
    const err = this.runResult('bookmark', ['bookmark', snapshot, bookmark], () => this.state.bookmark(snapshot, bookmark));
    if (!err) return;
    if (err.code !== 'bookmark_exists') throw err;
    const guids = this.run(null, ['get', '-H', '-p', '-o', 'name,value', 'guid', snapshot, bookmark], () => [this.state.guidOf(snapshot), this.state.guidOf(bookmark)]);
    if (guids[0] === undefined || guids[0] !== guids[1]) throw err;
  }

  async bookmarkGroups(groups: BookmarkOp[][]): Promise<(BookmarkGroupFailure | null)[]> {
    // as CommandZfsHost: channel programs make the bookmarks (the fake's state, one by one), destroys one command each
    const { results, refused } = await runBookmarkGroups(groups, {
      programs: this.programs,
      budget: { bytes: MAX_ARGV_BYTES, perArgument: 1 },
      program: async (batch) => {
        const failures: ProgramFailure[] = [];
        const err = this.runResult('program', ['program', '-j', batch.pool, '-', ...batch.args], () => {
          if (!this.programsAllowed) throw new FakeFailure('Permission denied the ZFS utilities must be run as root.\n');
          for (let i = 0; i < batch.args.length; i += 2) {
            try {
              this.state.bookmark(batch.args[i]!, batch.args[i + 1]!);
            } catch (e) {
              if (!(e instanceof FakeFailure)) throw e;
              failures.push({ item: i / 2, errno: /bookmark exists/.test(e.stderr) ? 17 : /does not exist/.test(e.stderr) ? 2 : 22 });
            }
          }
        });
        return err ? null : failures;
      },
      oneByOne: (group, from) => runOneByOne(this, group, from),
      failure: (op, errno) => this.error(['zfs', 'program', '-j', computeOpPool(op), '-'], computeOpFailureLine(op, errno), 0),
    });
    if (refused) this.programs = false;
    return results;
  }

  async hold(tag: string, snapshots: string[]): Promise<void> {
    this.perSnapshot('hold', tag, snapshots, ['tag_exists'], (b) => this.state.hold(tag, b));
  }

  async release(tag: string, snapshots: string[]): Promise<void> {
    this.perSnapshot('release', tag, snapshots, ['no_such_tag', 'dataset_does_not_exist'], (b) => this.state.release(tag, b));
  }

  private perSnapshot(verb: 'hold' | 'release', tag: string, snapshots: string[], benign: ZfsErrorCode[], fn: (batch: string[]) => string[]): void {
    for (const batch of computeArgvBatches([...new Set(snapshots)])) {
      const err = this.runResult(verb, [verb, tag, ...batch], () => {
        const lines = fn(batch);
        if (lines.length > 0) throw new FakeFailure(lines.join('\n'));
      });
      if (err && !computeOnlyBenignFailures(err.stderr, benign)) throw this.error(err.argv, computeWithoutBenign(err.stderr, benign), err.exitCode);
    }
  }

  async destroy(names: string[]): Promise<void> {
    const plan = computeDestroyPlan(names);
    if (plan.other.length > 0) throw new TypeError(`destroy: not a snapshot or bookmark: ${plan.other.join(', ')}`);
    let busy: ZfsError | null = null;
    for (const arg of plan.snapshotArgs) {
      const at = arg.indexOf('@');
      const fs = arg.slice(0, at);
      let snaps = arg.slice(at + 1).split(',');
      // as CommandZfsHost: `zfs destroy fs@a,b` is all or nothing, so held ones are left out of a retry
      while (snaps.length > 0) {
        const batch = snaps;
        const err = this.runResult('destroy', ['destroy', `${fs}@${batch.join(',')}`], () => this.state.destroySnapshots(fs, batch));
        if (!err) break;
        if (/could not find any snapshots to destroy|^cannot open '[^']*': dataset does not exist/m.test(err.stderr)) break;
        const items = parseItemFailures(err.stderr);
        if (items.length === 0 || items.some((f) => f.code !== 'dataset_busy')) throw err;
        busy ??= err;
        const held = new Set(items.map((f) => f.name.slice(f.name.indexOf('@') + 1)));
        snaps = batch.filter((s) => !held.has(s));
      }
    }
    for (const b of plan.bookmarks) {
      const err = this.runResult('destroy', ['destroy', b], () => this.state.destroyBookmark(b));
      if (err && err.code !== 'dataset_does_not_exist') throw err;
    }
    if (busy) throw busy;
  }

  async getProperties(dataset: string, props: string[]): Promise<Record<string, string>> {
    if (props.length === 0) return {};
    return this.run('getProperties', ['get', '-H', '-p', '-o', 'property,value', props.join(','), dataset], () => this.state.get(dataset, props));
  }

  async getGuids(names: string[]): Promise<Map<string, Guid>> {
    const out = new Map<string, string>();
    for (const batch of computeArgvBatches([...new Set(names)])) {
      const found = new Map<string, string>();
      const missing: string[] = [];
      for (const n of batch) { const g = this.state.guidOf(n); if (g === undefined) missing.push(n); else found.set(n, g); }
      // as zfs get: every name that exists is printed; each missing one adds a line to stderr and exit 1
      const err = this.runResult('getGuids', ['get', '-H', '-p', '-o', 'name,value', 'guid', ...batch], () => {
        if (missing.length > 0) throw new FakeFailure(missing.map((n) => `cannot open '${n}': dataset does not exist`).join('\n'));
      });
      if (err && !(missing.length > 0 && err.stderr.trim() === missing.map((n) => `cannot open '${n}': dataset does not exist`).join('\n'))) throw err;
      for (const [n, g] of found) out.set(n, g);
    }
    return out;
  }

  async setProperties(dataset: string, props: Record<string, string>): Promise<void> {
    const pairs = Object.entries(props).map(([k, v]) => `${k}=${v}`);
    if (pairs.length === 0) return;
    this.run('setProperties', ['set', ...pairs, dataset], () => this.state.set(dataset, props));
  }

  async create(dataset: string, props: Record<string, string>): Promise<void> {
    const opts = Object.entries(props).flatMap(([k, v]) => ['-o', `${k}=${v}`]);
    this.run('create', ['create', ...opts, dataset], () => this.state.create(dataset, props));
  }

  async rollback(snapshot: string, destroyNewer: boolean): Promise<void> {
    this.run('rollback', ['rollback', ...(destroyNewer ? ['-r'] : []), snapshot], () => this.state.rollback(snapshot, destroyNewer));
  }

  /** With `wire`, the command recorded is CommandZfsHost's pipeline; the stream itself stays uncompressed (the fake's
   *  own format), and `wire.progress` gets a running count. */
  send(args: SendArgs, wire?: WireSide): ZfsProcess {
    const zfsArgv = computeSendArgv(args, false, wire?.progress !== undefined);
    const argv = wire ? this.recordArgv(computeCompressedSendArgv(['zfs', ...zfsArgv], wire.compression)) : this.record(zfsArgv);
    let plan;
    try {
      plan = this.takeInjected('send') ?? this.state.sendHeaders(args);
    } catch (e) {
      if (!(e instanceof FakeFailure)) throw e;
      plan = e;
    }
    return new FakeSendProcess(plan, this.processContext(argv), wire?.progress);
  }

  receive(args: ReceiveArgs, wire?: WireSide): ZfsProcess {
    const zfsArgv = computeReceiveArgv(args);
    const argv = wire ? this.recordArgv(computeDecompressedReceiveArgv(['zfs', ...zfsArgv], wire.compression)) : this.record(zfsArgv);
    return new FakeReceiveProcess(this.state, args, this.processContext(argv), this.takeInjected('receive'));
  }

  /** `command -v` of each: those given as FakeZfsHostOptions.programs (default: every compressor of wire.ts). */
  async findPrograms(programs: string[]): Promise<string[]> {
    if (programs.length > 0) this.recordArgv(computeFindProgramsArgv(programs));
    return programs.filter((p) => this.programSet.includes(p));
  }

  private processContext(argv: string[]): FakeProcessContext {
    return {
      error: (r) => this.error(argv, r.stderr, r.code, r.signal),
      report: (code, stderr) => this.report(argv, code, stderr),
    };
  }

  async abortResumableReceive(dataset: string): Promise<void> {
    const err = this.runResult('abortResumableReceive', ['receive', '-A', dataset], () => this.state.abortReceive(dataset));
    if (err && err.code !== 'no_resumable_state' && err.code !== 'dataset_does_not_exist') throw err;
  }

  async decodeResumeToken(token: string): Promise<ResumeTokenInfo> {
    return this.run('decodeResumeToken', ['send', '-n', '-v', '-t', token], () => this.state.decodeToken(token));
  }

  async estimateSend(args: SendArgs): Promise<number> {
    return this.run('estimateSend', computeSendArgv(args, true), () => this.state.sendHeaders(args, true).reduce((n, h) => n + h.size, 0));
  }

  async features(): Promise<Features> {
    if (!this.featuresProbed) {
      this.run(null, ['version'], () => undefined);
      this.run(null, ['-?'], () => undefined);
      this.featuresProbed = true;
    }
    return { ...this.featureSet };
  }

  async close(): Promise<void> {}
}
