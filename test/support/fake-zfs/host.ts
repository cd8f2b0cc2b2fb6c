// The tests' world builder: a CommandZfsHost over a FakeExecutor (the production host and its rules, unchanged) with
// a handle on the fake pool state: layout lines (layout.ts), data writes, keys, GUID lookups, injected failures and
// the commands run. It overrides nothing of ZfsHost.
import type { CommandObserver } from '../../../src/zfs/exec.js';
import type { Guid } from '../../../src/zfs/types.js';
import { CommandZfsHost } from '../../../src/zfs/host.js';
import { ZfsError } from '../../../src/zfs/errors.js';
import { FakeExecutor, type FakeMatch } from './executor.js';
import { FakeFailure, type FakeState } from './state.js';
import { parseFakeLayout } from './layout.js';
import type { CrashSwitch } from './crash.js';

export interface FakeHostOptions {
  /** the clock for creation times and hold times */
  clock?: () => Date;
  /** sees every command, as in production (CommandZfsHost's observer) */
  observer?: CommandObserver;
  /** whether `zfs program` runs here (false: as a host where only root may run channel programs) */
  channelPrograms?: boolean;
  /** the programs `command -v` finds here (default: zstd, lz4, gzip) */
  programs?: string[];
  crash?: CrashSwitch;
  /** the pools of another host (a restarted zform: a new host over the same pools) */
  state?: FakeState;
}

export class FakeHost extends CommandZfsHost {
  readonly zfs: FakeExecutor;

  constructor(name: string, opts: FakeHostOptions = {}) {
    const zfs = new FakeExecutor(name, opts);
    super(zfs, { observer: opts.observer });
    this.zfs = zfs;
  }

  /** every command run so far (argv: `zfs ...`, or the `sh -c` pipeline around it) */
  get commandLog(): string[][] {
    return this.zfs.commandLog;
  }

  get commands(): number {
    return this.zfs.commandLog.length;
  }

  resetCommands(): void {
    this.zfs.commandLog.length = 0;
  }

  createPool(name: string): this {
    return this.apply(`pool ${name}`);
  }

  /** Applies layout lines (each argument may hold several), e.g. `h.apply('pool tank', 'create tank/a',
   *  'snapshot tank/a@s1', 'bookmark tank/a@s1 #b1', 'hold t tank/a@s1')`; not counted as commands. A rule it breaks
   *  throws the ZfsError the real command would. */
  apply(...lines: string[]): this {
    const s = this.zfs.state;
    for (const step of parseFakeLayout(lines.join('\n'))) {
      this.build(['zfs', ...step.line.split(/\s+/)], () => {
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
          case 'rename': s.rename(step.from, step.to); break;
          case 'load-key': s.setKeyLoaded(step.name, true); break;
          case 'unload-key': s.setKeyLoaded(step.name, false); break;
        }
      });
    }
    return this;
  }

  /** Adds `bytes` of data to a dataset (what `dd` into its mountpoint does). */
  write(dataset: string, bytes: number): this {
    this.build(['zfs', 'write', dataset], () => this.zfs.state.write(dataset, bytes));
    return this;
  }

  /** `zfs clone SNAPSHOT FILESYSTEM`. */
  cloneSnapshot(snapshot: string, filesystem: string): this {
    this.build(['zfs', 'clone', snapshot, filesystem], () => this.zfs.state.cloneSnapshot(snapshot, filesystem));
    return this;
  }

  loadKey(dataset: string): this {
    return this.apply(`load-key ${dataset}`);
  }

  unloadKey(dataset: string): this {
    return this.apply(`unload-key ${dataset}`);
  }

  /** GUID of a dataset, snapshot (fs@s) or bookmark (fs#b), or undefined. */
  guidOf(name: string): Guid | undefined {
    return this.zfs.state.guidOf(name);
  }

  /** The next command that matches (a zfs subcommand such as "receive", or a test on its arguments) fails with this
   *  stderr and no effect. Queued: call it twice for two failures. */
  failNext(match: FakeMatch, stderr: string, exitCode = 1): this {
    this.zfs.failNext(match, stderr, exitCode);
    return this;
  }

  private build(argv: string[], fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (e instanceof FakeFailure) throw new ZfsError({ host: this.name, argv, stderr: e.stderr.endsWith('\n') ? e.stderr : e.stderr + '\n', exitCode: e.exitCode });
      throw e;
    }
  }
}
