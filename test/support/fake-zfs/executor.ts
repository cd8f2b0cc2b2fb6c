// FakeExecutor: an Executor whose `zfs` is a fake pool state (state.ts). It interprets the argv CommandZfsHost runs
// and answers with OpenZFS 2.1's own `-H -p` output, stderr texts and exit codes (test/fixtures/zfs/2.1 are the
// reference), so unit tests run the real host's rules and parsers. Optional: injected failures, and a crash switch
// that stops the run at one command boundary as a kill -9 would (crash.ts).
import { readFileSync } from 'node:fs';
import type { ExecOptions, ExecProcess, Executor } from '../../../src/zfs/exec.js';
import type { SendArgs, SendFlags } from '../../../src/zfs/types.js';
import { BOOKKEEPING_PROGRAM } from '../../../src/zfs/program.js';
import { FakeFailure, FakeState, originKey, type FakeDataset } from './state.js';
import { parseFakeToken, type FakeStreamHeader } from './stream.js';
import type { CrashSwitch } from './crash.js';
import {
  FakeDoneProcess, FakeFrozenProcess, FakeReceiveProcess, FakeSendProcess, FakeStdinProcess, computeReply, type CrashSlot, type ReceiveOptions, type Reply,
} from './process.js';

const FIXTURES = new URL('../../../../test/fixtures/zfs/2.1/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');

export interface FakeExecutorOptions {
  /** the clock for creation times and hold times */
  clock?: () => Date;
  /** whether `zfs program` runs here (false: as a host where only root may run channel programs, and we are not) */
  channelPrograms?: boolean;
  /** the programs `command -v` finds here (default: zstd, lz4, gzip) */
  programs?: string[];
  /** shared by the executors of one run: where zform is killed */
  crash?: CrashSwitch;
  /** the pools (default: new, empty): another executor's, as a restarted zform sees the same pools */
  state?: FakeState;
}

/** A file's owner and mode as `ls -ldn` shows them. */
export interface FakeFileMeta { uid: number; gid: number; mode: number; dir: boolean }

/** What a fake hook executable does when run (its environment given): its output and exit code; `hang`: it runs past
 *  any timeout, so `timeout` kills it (exit 124, as GNU timeout reports it). */

export type FakeHookScript = (env: Record<string, string>) => { code?: number; stdout?: string; stderr?: string; hang?: boolean };

/** Which commands an injected failure hits: a zfs subcommand ("receive", "get") or a test on its arguments. */
export type FakeMatch = string | ((args: string[]) => boolean);

const NO_FLAGS: SendFlags = { raw: false, properties: false, backupProperties: false, largeBlocks: false, compressed: false, embeddedData: false };

function fail(stderr: string, code = 1): never {
  throw new FakeFailure(stderr, code);
}

function splitName(name: string): { dataset: string; sep: '@' | '#' | null; short: string } {
  const i = name.search(/[@#]/);
  return i < 0 ? { dataset: name, sep: null, short: '' } : { dataset: name.slice(0, i), sep: name[i] as '@' | '#', short: name.slice(i + 1) };
}

/** Splits argv into its options (with the values of those that take one) and operands, as getopt does. */
function parseOpts(args: string[], withValue: string): { flags: Set<string>; values: [string, string][]; rest: string[] } {
  const flags = new Set<string>();
  const values: [string, string][] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-') || a === '-' ) break;
    for (let j = 1; j < a.length; j++) {
      const f = a[j]!;
      if (withValue.includes(f)) {
        const v = j + 1 < a.length ? a.slice(j + 1) : args[++i];
        if (v === undefined) fail(`missing argument for '${f}' option`, 2);
        values.push([f, v]);
        break;
      }
      flags.add(f);
    }
  }
  return { flags, values, rest: args.slice(i) };
}

function hex(n: string | number): string {
  return '0x' + BigInt(n).toString(16);
}

function ctime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const s = d.toUTCString(); // "Sat, 21 Nov 2026 20:49:00 GMT"
  const [wd, day, mon, year, time] = s.replace(',', '').split(' ');
  return `${wd} ${mon} ${day!.replace(/^0/, '')} ${time!.slice(0, 5)} ${year}`;
}

export class FakeExecutor implements Executor {
  readonly state: FakeState;
  /** every command run so far (argv: `zfs ...`, or the `sh -c` pipeline around it) */
  readonly commandLog: string[][] = [];
  readonly directPipes = false;
  private readonly clock: () => Date;
  private readonly channelPrograms: boolean;
  private readonly crash: CrashSwitch | null;
  private readonly programs: string[];
  private readonly injected: { match: FakeMatch; reply: Reply }[] = [];
  private readonly hookScripts = new Map<string, FakeHookScript>();
  /** the owners and modes of hook executables and folders (setHook, setFolder) */
  private readonly files = new Map<string, FakeFileMeta>();
  /** the uid `id -u` prints: the user zform logs in as */
  loginUid = 0;
  /** every hook run (`timeout -k K SECONDS env NAME=VALUE... PATH`), in order */
  readonly hookRuns: { path: string; env: Record<string, string>; timeoutSeconds: number }[] = [];

  constructor(readonly host: string, opts: FakeExecutorOptions = {}) {
    this.clock = opts.clock ?? (() => new Date());
    this.channelPrograms = opts.channelPrograms ?? true;
    this.crash = opts.crash ?? null;
    this.programs = opts.programs ?? ['zstd', 'lz4', 'gzip'];
    const now = () => Math.floor(this.clock().getTime() / 1000);
    this.state = opts.state ?? new FakeState(now);
    if (opts.state && opts.clock) opts.state.setClock(now);
  }

  /** The next command that matches fails with this stderr (and no effect). Queued in order. */
  failNext(match: FakeMatch, stderr: string, exitCode = 1): void {
    this.injected.push({ match, reply: { stderr: stderr.endsWith('\n') ? stderr : stderr + '\n', code: exitCode } });
  }

  private takeInjected(args: string[]): Reply | undefined {
    const i = this.injected.findIndex((f) => (typeof f.match === 'string' ? args[0] === f.match && !(f.match === 'receive' && args.includes('-A')) : f.match(args)));
    return i < 0 ? undefined : this.injected.splice(i, 1)[0]!.reply;
  }

  /** Installs an executable at `path` for hooks (src/zfs/hook.ts) to run: owned by root, mode 0755 unless `file`
   *  says otherwise (its folders are root's 0755 unless setFolder says otherwise). */
  setHook(path: string, script: FakeHookScript, file: Partial<FakeFileMeta> = {}): void {
    this.hookScripts.set(path, script);
    this.files.set(path, { uid: 0, gid: 0, mode: 0o755, dir: false, ...file });
  }

  /** A folder's owner and mode, as the remote hook check reads them (`ls -ldnL`). */
  setFolder(path: string, meta: Partial<FakeFileMeta>): void {
    this.files.set(path, { uid: 0, gid: 0, mode: 0o755, dir: true, ...meta });
  }

  /** The remote hook check's commands (src/zfs/remote-exposure.ts): `realpath FILE` (a hook installed here is its
   *  own real path), `id -u` (loginUid) and `env LC_ALL=C ls -ldnL PATH...` (folders not set are root's 0755). */
  private fileCommand(argv: string[], stdin: boolean): ExecProcess {
    this.commandLog.push(argv);
    const crash = this.enter(argv);
    if (crash === undefined) return new FakeFrozenProcess();
    const meta = (p: string): FakeFileMeta => this.files.get(p) ?? { uid: 0, gid: 0, mode: 0o755, dir: true };
    let reply: Reply;
    if (argv[0] === 'realpath') {
      const p = argv[1]!;
      reply = this.files.has(p) && !this.files.get(p)!.dir ? { stdout: `${p}\n` } : { stderr: `realpath: ${p}: No such file or directory\n`, code: 1 };
    } else if (argv[0] === 'id') {
      reply = { stdout: `${this.loginUid}\n` };
    } else {
      const lines = argv.slice(4).map((p) => {
        const m = meta(p);
        const bits = (n: number, special: number, set: string, unset: string) =>
          `${n & 4 ? 'r' : '-'}${n & 2 ? 'w' : '-'}${special ? (n & 1 ? set : unset) : n & 1 ? 'x' : '-'}`;
        const mode = `${m.dir ? 'd' : '-'}${bits((m.mode >> 6) & 7, m.mode & 0o4000, 's', 'S')}${bits((m.mode >> 3) & 7, m.mode & 0o2000, 's', 'S')}${bits(m.mode & 7, m.mode & 0o1000, 't', 'T')}`;
        return `${mode} 2 ${m.uid} ${m.gid} 4096 Dec  7 00:00 ${p}\n`;
      });
      reply = { stdout: lines.join('') };
    }
    return new FakeDoneProcess(reply, crash, stdin);
  }

  spawn(argv: string[], opts: ExecOptions = {}): ExecProcess {
    if (typeof opts.stdin === 'object' || opts.stdout === 'direct') throw new TypeError('FakeExecutor: no direct pipes');
    const stdin = opts.stdin === 'pipe';
    if (argv[0] === 'timeout') return this.hook(argv, stdin);
    if (argv[0] === 'realpath' || (argv[0] === 'id' && argv[1] === '-u') || (argv[0] === 'env' && argv[1] === 'LC_ALL=C' && argv[2] === 'ls')) return this.fileCommand(argv, stdin);
    const z = argv.findIndex((a) => a === 'zfs');
    if (z < 0) return this.shell(argv, stdin);
    // `zfs ...`, or `sh -c SCRIPT sh zfs ...` (a pipeline around it: here the stream passes as it is)
    const args = argv.slice(z + 1);
    this.commandLog.push(argv[0] === 'sh' ? argv : ['zfs', ...args]);
    const crash = this.enter(argv);
    if (crash === undefined) return new FakeFrozenProcess();
    const injected = this.takeInjected(args);
    const verb = args[0];
    if (verb === 'send' && !args.includes('-n')) return new FakeSendProcess(injected ?? this.sendHeaders(args), crash, args.includes('-P') ? opts.stderrFilter : undefined);
    if (verb === 'receive' && !args.includes('-A')) return this.receive(args, crash, injected);
    if (verb === 'program' && !injected) return new FakeStdinProcess((input) => computeReply(() => this.program(args, input)), crash);
    return new FakeDoneProcess(injected ?? computeReply(() => this.run(args)), crash, stdin);
  }

  /** A command that is not zfs: `command -v` of programs (the others are not ours to run). */
  private shell(argv: string[], stdin: boolean): ExecProcess {
    if (argv[0] !== 'sh' || argv[1] !== '-c' || !/command -v/.test(argv[2] ?? '')) throw new TypeError(`FakeExecutor runs zfs only: ${argv.join(' ')}`);
    this.commandLog.push(argv);
    const crash = this.enter(argv);
    if (crash === undefined) return new FakeFrozenProcess();
    const found = argv.slice(4).filter((p) => this.programs.includes(p));
    return new FakeDoneProcess({ stdout: found.map((p) => `/usr/bin/${p}\n`).join('') }, crash, stdin);
  }

  /** `timeout -k K SECONDS env NAME=VALUE... PATH`: runs the fake executable installed at PATH. */
  private hook(argv: string[], stdin: boolean): ExecProcess {
    const e = argv.indexOf('env');
    if (argv[1] !== '-k' || e !== 4) throw new TypeError(`FakeExecutor: not a hook command: ${argv.join(' ')}`);
    this.commandLog.push(argv);
    const words = argv.slice(e + 1);
    const path = words[words.length - 1]!;
    const env = Object.fromEntries(words.slice(0, -1).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
    this.hookRuns.push({ path, env, timeoutSeconds: Number(argv[3]) });
    const script = this.hookScripts.get(path);
    if (!script) return new FakeDoneProcess({ stderr: `env: '${path}': No such file or directory\n`, code: 127 }, null, stdin);
    const r = script(env);
    if (r.hang) return new FakeDoneProcess({ stdout: r.stdout, stderr: r.stderr, code: 124 }, null, stdin);
    return new FakeDoneProcess({ stdout: r.stdout, stderr: r.stderr, code: r.code ?? 0 }, null, stdin);
  }

  /** The command's crash slot: null without a switch, undefined when zform is dead (the command never runs). */
  private enter(argv: string[]): CrashSlot | null | undefined {
    if (!this.crash) return null;
    const k = this.crash.enter(this.host, argv);
    return k === null ? undefined : { sw: this.crash, k };
  }

  async close(): Promise<void> {}

  // ---- commands that answer at once ----

  private run(args: string[]): Reply | string | void {
    const [verb, ...rest] = args;
    const s = this.state;
    switch (verb) {
      case 'version': return fixture('version.stdout');
      case '-?': return { stderr: fixture('usage-all.stderr'), code: 2 };
      case 'list': return this.list(rest);
      case 'get': return this.get(rest);
      case 'holds': return this.holds(rest);
      case 'snapshot': s.snapshot(parseOpts(rest, 'o').rest); return;
      case 'bookmark': {
        if (rest.length !== 2) fail(`${rest.length < 2 ? 'missing' : 'too many'} arguments\nusage:\n\tbookmark <snapshot|bookmark> <newbookmark>\n`, 2);
        s.bookmark(rest[0]!, rest[1]!);
        return;
      }
      case 'hold': case 'release': {
        const { rest: r } = parseOpts(rest, '');
        const errors = verb === 'hold' ? s.hold(r[0]!, r.slice(1)) : s.release(r[0]!, r.slice(1));
        if (errors.length > 0) fail(errors.join('\n'));
        return;
      }
      case 'destroy': return this.destroy(rest);
      case 'create': {
        const o = parseOpts(rest, 'o');
        s.create(o.rest[0]!, Object.fromEntries(o.values.map(([, kv]) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])));
        return;
      }
      case 'clone': {
        const o = parseOpts(rest, 'o');
        if (o.values.length > 0 || o.rest.length !== 2) throw new Error('FakeExecutor: only `zfs clone SNAPSHOT FILESYSTEM` is emulated');
        s.cloneSnapshot(o.rest[0]!, o.rest[1]!);
        return;
      }
      case 'rename': {
        const o = parseOpts(rest, '');
        if (o.flags.size > 0 || o.rest.length !== 2) fail(`${o.rest.length < 2 ? 'missing' : 'too many'} arguments\nusage:\n\trename [-f] <filesystem|volume|snapshot> <filesystem|volume|snapshot>\n`, 2);
        s.rename(o.rest[0]!, o.rest[1]!);
        return;
      }
      case 'rollback': {
        const o = parseOpts(rest, '');
        s.rollback(o.rest[0]!, o.flags.has('r'));
        return;
      }
      case 'set': {
        const pairs = rest.slice(0, -1);
        s.set(rest[rest.length - 1]!, Object.fromEntries(pairs.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])));
        return;
      }
      case 'send': return this.sendDry(rest);
      case 'receive': {
        const o = parseOpts(rest, '');
        s.abortReceive(o.rest[0]!);
        return;
      }
      default: fail(`unrecognized command '${verb}'\nusage: zfs command args ...\n`, 2);
    }
  }

  /** Every dataset by name (code units), made once per command: `tree` then finds a root's subtree by two binary
   *  searches, so a listing of a slice of thousands of dataset names costs no scan of every dataset per name. */
  private byName(): FakeDataset[] {
    return [...this.state.datasets.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The datasets a name names with -r (itself and those under it, by name; `sorted`: byName()), or null when it does
   *  not exist. */
  private tree(root: string, sorted: FakeDataset[]): FakeDataset[] | null {
    const d = this.state.datasets.get(root);
    if (!d) return null;
    // names that start with "root/" lie together in sorted order, from "root/" up to "root0" ('0' follows '/')
    const from = lowerBound(sorted, root + '/');
    return [d, ...sorted.slice(from, lowerBound(sorted, root + '0', from))];
  }

  /** `zfs list -H -p [-r] -t TYPES -o COLUMNS [root...]`. */
  private list(args: string[]): Reply {
    const o = parseOpts(args, 'otsSd');
    const types = new Set((o.values.find(([f]) => f === 't')?.[1] ?? 'filesystem,volume').split(','));
    if (types.has('all')) ['filesystem', 'volume', 'snapshot', 'bookmark'].forEach((t) => types.add(t));
    const cols = (o.values.find(([f]) => f === 'o')?.[1] ?? 'name').split(',');
    const depthArg = o.values.find(([f]) => f === 'd')?.[1];
    // -d N: datasets N levels below the root at most, their snapshots and bookmarks one level below them
    const depth = depthArg !== undefined ? Number(depthArg) : o.flags.has('r') || o.rest.length === 0 ? Infinity : null;
    let out = '';
    let err = '';
    const roots = o.rest.length > 0 ? o.rest : [...this.state.pools.keys()].sort();
    const clones = cols.includes('numclones') ? this.state.clonesByOrigin() : new Map<string, string[]>();
    const sorted = this.byName();
    for (const root of roots) {
      const all = this.tree(root, sorted);
      if (!all) { err += `cannot open '${root}': dataset does not exist\n`; continue; }
      const base = root.split('/').length;
      for (const d of all) {
        const k = d.name.split('/').length - base;
        // without -r or -d: the root, with its own snapshots and bookmarks
        const own = depth === null ? k === 0 : k <= depth;
        const versions = depth === null ? k === 0 : k + 1 <= depth;
        if (own && types.has(d.type)) out += this.row(d, null, cols, clones);
        if (versions && types.has('snapshot')) d.snapshots.forEach((_, i) => { out += this.row(d, { kind: 'snapshot', i }, cols, clones); });
        if (versions && types.has('bookmark')) d.bookmarks.forEach((_, i) => { out += this.row(d, { kind: 'bookmark', i }, cols, clones); });
      }
    }
    return { stdout: out, stderr: err, code: err === '' ? 0 : 1 };
  }

  /** `clones`: the clones by originKey (FakeState.clonesByOrigin). */
  private row(d: FakeDataset, v: { kind: 'snapshot' | 'bookmark'; i: number } | null, cols: string[], clones: Map<string, string[]>): string {
    const s = this.state;
    const enc = d.encryption !== 'off';
    const keystatus = enc ? (s.keyAvailable(d) ? 'available' : 'unavailable') : '-';
    let values: Record<string, string>;
    if (v === null) {
      values = {
        name: d.name, type: d.type, guid: d.guid, createtxg: String(d.createtxg), creation: String(d.creation), userrefs: '-',
        written: String(s.datasetWritten(d)), encryption: d.encryption, encryptionroot: d.encryptionRoot ?? '-', keystatus,
        receive_resume_token: d.partial?.token ?? '-', origin: s.originName(d) ?? '-',
      };
    } else if (v.kind === 'snapshot') {
      const x = d.snapshots[v.i]!;
      values = {
        name: `${d.name}@${x.name}`, type: 'snapshot', guid: x.guid, createtxg: String(x.createtxg), creation: String(x.creation),
        userrefs: String(x.holds.size), written: String(s.snapshotWritten(d, v.i)), encryption: d.encryption,
        encryptionroot: d.encryptionRoot ?? '-', keystatus, receive_resume_token: '-', numclones: String(clones.get(originKey(d, x))?.length ?? 0),
      };
    } else {
      const x = d.bookmarks[v.i]!;
      values = { name: `${d.name}#${x.name}`, type: 'bookmark', guid: x.guid, createtxg: String(x.createtxg), creation: String(x.creation) };
    }
    // a user property (`module:name`) of a dataset or snapshot: set there or inherited, else "-"
    const user = (c: string) => (c.includes(':') && v?.kind !== 'bookmark' ? s.get(values.name!, [c])[c] : undefined);
    return cols.map((c) => values[c] ?? user(c) ?? '-').join('\t') + '\n';
  }

  /** `zfs get -H -p [-r] [-s local] [-t TYPES] -o COLUMNS PROPS NAME...` (columns of name, property, value, source). */
  private get(args: string[]): Reply {
    const o = parseOpts(args, 'ostd');
    const cols = (o.values.find(([f]) => f === 'o')?.[1] ?? 'name,property,value,source').split(',');
    const localOnly = o.values.some(([f, v]) => f === 's' && v === 'local');
    const [propList, ...names] = o.rest;
    const props = (propList ?? '').split(',');
    let out = '';
    let err = '';
    let sorted: FakeDataset[] | undefined;
    for (const name of names) {
      const targets = o.flags.has('r') ? this.tree(name, sorted ??= this.byName())?.map((d) => d.name) : this.state.guidOf(name) !== undefined ? [name] : null;
      if (!targets) {
        const n = splitName(name);
        err += `cannot open '${name}': ${n.sep === '#' && this.state.datasets.has(n.dataset) ? 'no such pool or dataset' : 'dataset does not exist'}\n`;
        continue;
      }
      for (const t of targets) {
        for (const p of props) {
          if (localOnly && !this.state.datasets.get(t)?.props.has(p)) continue;
          let value: string;
          try {
            value = this.state.get(t, [p])[p]!;
          } catch (e) {
            if (e instanceof FakeFailure) return { stdout: out, stderr: e.stderr + '\n', code: e.exitCode };
            throw e;
          }
          const row: Record<string, string> = { name: t, property: p, value, source: this.sourceOf(t, p) };
          out += cols.map((c) => row[c] ?? '-').join('\t') + '\n';
        }
      }
    }
    return { stdout: out, stderr: err, code: err === '' ? 0 : 1 };
  }

  /** A property's source as `zfs get` prints it: "local" where set, "inherited from A" where an ancestor A set it,
   *  else "-" (zform asks only user properties and the fake's own columns of it). */
  private sourceOf(name: string, p: string): string {
    if (this.state.datasets.get(name)?.props.has(p)) return 'local';
    if (p.includes(':')) {
      for (let a = name.lastIndexOf('/'); a > 0; a = name.lastIndexOf('/', a - 1)) {
        if (this.state.datasets.get(name.slice(0, a))?.props.has(p)) return `inherited from ${name.slice(0, a)}`;
      }
    }
    return '-';
  }

  /** `zfs holds -H SNAPSHOT...` (2.1 has no -p: the time is printed as ctime). */
  private holds(args: string[]): Reply {
    const o = parseOpts(args, '');
    let out = '';
    let err = '';
    for (const name of o.rest) {
      const n = splitName(name);
      const snap = n.sep === '@' ? this.state.datasets.get(n.dataset)?.snapshots.find((s) => s.name === n.short) : undefined;
      if (!snap) { err += `cannot open '${name}': dataset does not exist\n`; continue; }
      for (const [tag, t] of snap.holds) out += `${name}\t${tag}\t${ctime(t)}\n`;
    }
    return { stdout: out, stderr: err, code: err === '' ? 0 : 1 };
  }

  private destroy(args: string[]): void {
    const o = parseOpts(args, '');
    const name = o.rest[0]!;
    const n = splitName(name);
    if (n.sep === '@') this.state.destroySnapshots(n.dataset, n.short.split(','));
    else if (n.sep === '#') this.state.destroyBookmark(name);
    else this.state.destroyDataset(name, o.flags.has('r'));
  }

  /** `zfs program -j POOL - ARGS...`: zform's bookkeeping program (the only one it runs) over the state. */
  private program(args: string[], script: string): Reply {
    if (!this.channelPrograms) fail('Permission denied the ZFS utilities must be run as root.');
    const o = parseOpts(args.slice(1), 'tm');
    const [pool, file, ...argv] = o.rest;
    if (file !== '-' || script !== BOOKKEEPING_PROGRAM) fail('FakeExecutor: only zform\'s bookkeeping program runs here');
    if (!this.state.pools.has(pool!)) fail(`cannot open '${pool}': no such pool`);
    const failures: string[] = [];
    for (let i = 0; i + 1 < argv.length; i += 2) {
      try {
        this.state.bookmark(argv[i]!, argv[i + 1]!);
      } catch (e) {
        if (!(e instanceof FakeFailure)) throw e;
        failures.push(`${i / 2 + 1}:${/bookmark exists/.test(e.stderr) ? 17 : /does not exist/.test(e.stderr) ? 2 : 22}`);
      }
    }
    return { stdout: JSON.stringify({ return: failures.join(',') }) + '\n' };
  }

  // ---- send and receive ----

  /** The SendArgs of a `zfs send` argv. */
  private parseSend(args: string[]): { send: SendArgs; dry: boolean; verbose: boolean; parsable: boolean } {
    const o = parseOpts(args.slice(1), 'iIt');
    const f = o.flags;
    const flags: SendFlags = { ...NO_FLAGS, raw: f.has('w'), properties: f.has('p'), backupProperties: f.has('b'), largeBlocks: f.has('L'), compressed: f.has('c'), embeddedData: f.has('e') };
    const base = { dry: f.has('n'), verbose: f.has('v'), parsable: f.has('P') };
    const token = o.values.find(([k]) => k === 't')?.[1];
    if (token !== undefined) return { ...base, send: { kind: 'resume', token } };
    const from = o.values.find(([k]) => k === 'i' || k === 'I');
    const snapshot = o.rest[0] ?? fail('missing snapshot argument\nusage:\n\tsend [-DnPpRvLecwhb] [-[i|I] snapshot] <snapshot>\n', 2);
    if (!from) return { ...base, send: { kind: 'full', snapshot, flags } };
    return { ...base, send: { kind: 'incremental', from: from[1], snapshot, intermediates: from[0] === 'I', flags } };
  }

  /** What `zfs send` will write, or how it fails at once. */
  private sendHeaders(args: string[]): FakeStreamHeader[] | Reply {
    try {
      return this.state.sendHeaders(this.parseSend(args).send);
    } catch (e) {
      if (e instanceof FakeFailure) return { stderr: e.stderr + '\n', code: e.exitCode };
      throw e;
    }
  }

  /** `zfs send -n -v [-P] ...`: the estimate (and with -t the token's contents first). */
  private sendDry(args: string[]): Reply {
    const { send, parsable } = this.parseSend(['send', ...args]);
    let out = '';
    if (send.kind === 'resume') {
      const t = parseFakeToken(send.token);
      if ('corrupt' in t) fail(`cannot resume send: resume token is corrupt (${t.corrupt})`, 255);
      out += 'resume token contents:\nnvlist version: 0\n';
      if (t.fromguid !== undefined) out += `\tfromguid = ${hex(t.fromguid)}\n`;
      out += `\tobject = 0x81\n\toffset = ${hex(t.bytes)}\n\tbytes = ${hex(t.bytes)}\n\ttoguid = ${hex(t.toguid)}\n\ttoname = ${t.toname}\n`;
      if (t.embedok) out += '\tembedok = 1\n';
      if (t.compressok) out += '\tcompressok = 1\n';
      if (t.largeblockok) out += '\tlargeblockok = 1\n';
      if (t.rawok) out += '\trawok = 1\n';
    }
    let headers;
    try {
      headers = this.state.sendHeaders(send, true);
    } catch (e) {
      if (e instanceof FakeFailure) return { stdout: out, stderr: e.stderr + '\n', code: e.exitCode };
      throw e;
    }
    const total = headers.reduce((n, h) => n + h.size - h.offset, 0);
    // a resume names its source by GUID: zfs prints the full name it finds (a clone's origin is another dataset's)
    const from = send.kind === 'incremental' ? send.from : send.kind === 'resume' ? this.state.tokenFromName(send.token) : null;
    for (const [i, h] of headers.entries()) {
      const size = h.size - h.offset;
      if (parsable) {
        const fromName = h.kind === 'full' ? null : i === 0 && from !== null ? from : splitName(headers[i - 1]?.toname ?? '').short || (from ?? '');
        out += h.kind === 'full' ? `full\t${h.toname}\t${size}\n` : `incremental\t${fromName}\t${h.toname}\t${size}\n`;
      } else {
        out += h.kind === 'full' ? `full send of ${h.toname} estimated size is ${size}\n` : `send from ${from ?? ''} to ${h.toname} estimated size is ${size}\n`;
      }
    }
    out += parsable ? `size\t${total}\n` : `total estimated size is ${total}\n`;
    return { stdout: out };
  }

  private receive(args: string[], crash: CrashSlot | null, injected: Reply | undefined): ExecProcess {
    const o = parseOpts(args.slice(1), 'ox');
    const override = Object.fromEntries(o.values.filter(([f]) => f === 'o').map(([, kv]) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    // -o origin=SNAPSHOT is no property: it names the snapshot a new dataset is a clone of
    const { origin, ...props } = override;
    const opts: ReceiveOptions = { dataset: o.rest[0]!, resumable: o.flags.has('s'), force: o.flags.has('F'), override: props };
    if (origin !== undefined) opts.origin = origin;
    return new FakeReceiveProcess(this.state, opts, crash, injected);
  }
}

/** The first index at or after `from` whose dataset name is not below `name` (datasets sorted by name). */
function lowerBound(sorted: FakeDataset[], name: string, from = 0): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.name < name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
