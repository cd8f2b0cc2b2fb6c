// One run's logs and trace: sees every zfs command (the choke point's observer), every apply event
// (apply's hooks) and the phases commands mark as spans, and tags each with job, dataset and step.
import { checkOutputFile, writeFileSafely } from '../fsafe.js';
import type { CommandObserver } from '../zfs/exec.js';
import type { ApplyEvent } from '../apply/events.js';
import type { Plan } from '../plan/types.js';
import { describeAction } from '../plan/describe.js';
import { currentStep } from './context.js';
import { createLogger, type LogFields, type Logger } from './logger.js';
import { MAIN_LANE, TraceRecorder } from './trace.js';
import type { LogFormat, LogLevel } from './log-format.js';
import type { Writable } from 'node:stream';
import { ZformError } from '../errors.js';
import { monotonicMs } from '../clock.js';

export interface ObservabilityOptions {
  format: LogFormat;
  level: LogLevel;
  stderr: Writable;
  clock: () => Date;
  /** where to write the trace at the end; none: no trace is recorded */
  traceFile?: string;
  /** monotonic milliseconds; monotonicMs (src/clock.ts) by default */
  monotonic?: () => number;
  pid?: number;
  /** the command line, for the trace's metadata */
  argv?: string[];
}

const ms = (x: number) => Math.round(x * 1000) / 1000;

export class Observability {
  readonly log: Logger;
  readonly trace: TraceRecorder | null;
  private readonly now: () => number;
  private readonly laneOfStep = new Map<string, string>();
  private readonly laneOfDataset = new Map<string, string>();
  private readonly stepStart = new Map<string, number>();
  private readonly lastProgress = new Map<string, number>();
  /** lane label -> [start, end] of its steps, for the dataset spans; job -> same, for the job spans */
  private readonly laneExtent = new Map<string, { job: string; start: number; end: number; steps: number; failed: boolean }>();
  private readonly jobExtent = new Map<string, { start: number; end: number }>();
  private readonly started: number;

  constructor(private readonly opts: ObservabilityOptions) {
    this.log = createLogger({ format: opts.format, level: opts.level, stream: opts.stderr, clock: opts.clock });
    this.now = opts.monotonic ?? monotonicMs;
    this.started = this.now();
    this.trace = opts.traceFile
      ? new TraceRecorder({ pid: opts.pid ?? process.pid, now: this.now, startTime: opts.clock(), otherData: { command: ['zform', ...(opts.argv ?? [])].join(' ') } })
      : null;
  }

  /** The choke point's observer: one debug line and one trace span per zfs command. */
  readonly observer: CommandObserver = (ev) => {
    const end = this.now();
    const ctx = currentStep();
    const fields: LogFields = { host: ev.host, argv: ev.argv, duration_ms: ms(ev.durationMs), exit: ev.code };
    if (ev.code !== 0 && ev.stderr) fields.stderr = ev.stderr.trim().split('\n')[0];
    this.log.debug('zfs', fields);
    if (this.trace) {
      const tid = ctx.step && this.laneOfStep.has(ctx.step) ? this.trace.lane(this.laneOfStep.get(ctx.step)!) : MAIN_LANE;
      const name = ev.argv.find((a, i) => i > 0 && ev.argv[i - 1]!.endsWith('zfs')) ?? ev.argv[0] ?? 'zfs';
      this.trace.complete(`zfs ${name}`, 'zfs', tid, end - ev.durationMs, end, {
        host: ev.host, argv: ev.argv, exit: ev.code, job: ctx.job, dataset: ctx.dataset ?? undefined, step: ctx.step,
        ...(fields.stderr ? { stderr: fields.stderr } : {}),
      });
    }
  };

  /** Runs fn as a named phase: a trace span on the main lane and debug lines at its start and end. */
  async span<T>(name: string, fields: LogFields, fn: () => Promise<T>): Promise<T> {
    const start = this.now();
    this.log.debug(`${name}: start`, fields);
    try {
      return await fn();
    } finally {
      const end = this.now();
      this.log.debug(`${name}: done`, { ...fields, duration_ms: ms(end - start) });
      this.trace?.complete(name, 'phase', MAIN_LANE, start, end, Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)));
    }
  }

  /** The plan about to be shown or applied: names the trace lanes (one per dataset chain) and logs a summary per job. */
  planned(plan: Plan): void {
    for (const j of plan.jobs) {
      let actions = j.snapshots.length;
      for (const d of j.datasets) {
        if (this.trace) {
          // the lanes are the trace's alone (a plan at scale has 100,000 datasets: no labels without a trace)
          // a placeholder parent has no source
          const label = d.source ? `${j.job}: ${d.source}${d.target ? ` → ${d.target}` : ''}` : `${j.job}: ${d.target} (placeholder)`;
          for (const a of d.actions) this.laneOfStep.set(a.id, label);
          this.laneOfDataset.set(`${j.job}\0${d.source}`, label);
          if (d.target) this.laneOfDataset.set(`${j.job}\0${d.target}`, label);
        }
        actions += d.actions.length;
        for (const x of d.diagnostics) this.log.log(x.severity === 'error' ? 'warn' : 'info', x.summary, { job: j.job, dataset: d.target ?? d.source });
      }
      for (const x of j.diagnostics) this.log.log(x.severity === 'error' ? 'warn' : 'info', x.summary, { job: j.job });
      this.log.info('planned', { job: j.job, datasets: j.datasets.length, actions });
    }
  }

  /** apply's hooks: step lines (start at debug, done at info, failures at warn) and step spans in the trace. */
  readonly onApplyEvent = (ev: ApplyEvent): void => {
    const now = this.now();
    if (ev.type === 'dataset_skipped') {
      this.log.warn('dataset skipped', { job: ev.job, dataset: ev.dataset, reason: ev.reason });
      const label = this.laneOfDataset.get(`${ev.job}\0${ev.dataset}`);
      this.trace?.instant('skipped', 'dataset', label ? this.trace.lane(label) : MAIN_LANE, now, { job: ev.job, dataset: ev.dataset, reason: ev.reason });
      return;
    }
    if (ev.type === 'hook_done') { this.hookDone(ev, now); return; }
    const a = ev.action;
    const base: LogFields = { job: ev.job, dataset: ev.dataset ?? undefined, step: a.id };
    switch (ev.type) {
      case 'apply_start':
        this.stepStart.set(a.id, now);
        this.log.debug(`start ${describeAction(a)}`, { ...base, kind: a.kind, host: a.host });
        return;
      case 'apply_progress': {
        // at most one line per step every 5 s: a transfer reports progress many times a second
        const last = this.lastProgress.get(a.id) ?? this.stepStart.get(a.id) ?? 0;
        if (now - last < 5000) return;
        this.lastProgress.set(a.id, now);
        this.log.debug('progress', { ...base, bytes: ev.bytes, estimated_bytes: ev.estimatedBytes, elapsed_ms: ev.elapsedMs });
        return;
      }
      case 'apply_complete':
        this.log.info(`done ${describeAction(a)}`, { ...base, kind: a.kind, duration_ms: ev.elapsedMs, ...(ev.bytes !== null ? { bytes: ev.bytes } : {}) });
        this.stepSpan(ev.job, a.id, describeAction(a), now, { kind: a.kind, host: a.host, bytes: ev.bytes });
        return;
      case 'apply_errored':
        // an interruption (SIGHUP/SIGINT/SIGTERM) is not a failure of the step: apply says so once
        this.log.log(ev.error === 'interrupted' ? 'info' : 'warn', `failed ${describeAction(a)}`, { ...base, kind: a.kind, error: ev.error, duration_ms: ev.elapsedMs });
        this.stepSpan(ev.job, a.id, describeAction(a), now, { kind: a.kind, host: a.host, error: ev.error }, true);
        return;
    }
  };

  /** A hook's end (info, warn when it failed) and its output, one log line per line it printed (stdout at info,
   *  stderr at warn when it failed), and a span in the trace. */
  private hookDone(ev: Extract<ApplyEvent, { type: 'hook_done' }>, now: number): void {
    const h = ev.hook;
    const base: LogFields = { job: ev.job, phase: h.phase, host: h.host, hook: h.path };
    for (const [stream, text] of [['stdout', ev.stdout], ['stderr', ev.stderr]] as const) {
      for (const line of text.split('\n')) {
        if (line.trim() !== '') this.log.log(!ev.ok && stream === 'stderr' ? 'warn' : 'info', 'hook output', { ...base, stream, line });
      }
    }
    this.log.log(ev.ok ? 'info' : 'warn', ev.ok ? 'hook done' : 'hook failed', { ...base, result: ev.end, duration_ms: ms(ev.elapsedMs) });
    this.trace?.complete(`hook ${h.phase}`, 'hook', MAIN_LANE, now - ev.elapsedMs, now, { ...base, result: ev.end });
  }

  private stepSpan(job: string, id: string, name: string, end: number, args: Record<string, unknown>, failed = false): void {
    const start = this.stepStart.get(id) ?? end;
    this.stepStart.delete(id);
    this.lastProgress.delete(id);
    if (!this.trace) return;
    const label = this.laneOfStep.get(id);
    this.trace.complete(name, 'step', label ? this.trace.lane(label) : MAIN_LANE, start, end, { step: id, job, ...args });
    if (label) {
      const e = this.laneExtent.get(label);
      if (e) { e.end = end; e.steps++; e.failed ||= failed; } else this.laneExtent.set(label, { job, start, end, steps: 1, failed });
    }
    const j = this.jobExtent.get(job);
    if (j) j.end = end; else this.jobExtent.set(job, { start, end });
  }

  /** Logs the error that ends the run as a record (logfmt and json formats keep stderr machine-readable). */
  errorRecord(err: unknown, exitCode: number, withStack = false): void {
    const msg = err instanceof ZformError ? err.shortMessage : err instanceof Error ? err.message.split('\n')[0]! : String(err);
    const details = err instanceof ZformError && err.details.length ? err.details : undefined;
    const stack = withStack && err instanceof Error && err.stack ? err.stack : undefined;
    this.log.error(msg, { kind: err instanceof ZformError ? err.kind : 'internal', exit_code: exitCode, details, stack });
  }

  /** Checks the trace file's folder, so that a path that cannot be written fails the run before it does anything
   *  (a usage error); the file itself is written only at the end (src/fsafe.ts). */
  async start(): Promise<void> {
    if (!this.opts.traceFile) return;
    await checkOutputFile('--trace', this.opts.traceFile);
  }

  /** The end of the run: the enclosing job and dataset spans, the run span, and the trace file (not with `trace:
   *  false`: a run refused as a usage error writes nothing). Returns false when the trace could not be written
   *  (logged as an error). */
  async finish(name: string, exitCode: number, opts: { trace?: boolean } = {}): Promise<boolean> {
    const end = this.now();
    this.log.debug('exit', { command: name, exit_code: exitCode, duration_ms: ms(end - this.started) });
    if (!this.trace || !this.opts.traceFile || opts.trace === false) return true;
    for (const [label, e] of this.laneExtent) {
      this.trace.complete(label.slice(label.indexOf(': ') + 2), 'dataset', this.trace.lane(label), e.start, e.end, { job: e.job, steps: e.steps, failed: e.failed });
    }
    for (const [job, e] of this.jobExtent) this.trace.complete(`job ${job}`, 'job', MAIN_LANE, e.start, e.end, { job });
    this.trace.complete(`zform ${name}`.trim(), 'run', MAIN_LANE, this.started, end, { exit_code: exitCode });
    try {
      // 0600: it holds every command's argv and the datasets' names, as a saved plan does
      await writeFileSafely(this.opts.traceFile, JSON.stringify(this.trace.toJSON()) + '\n', { mode: 0o600 });
      return true;
    } catch (err) {
      this.log.error(`cannot write the trace to ${this.opts.traceFile}: ${(err as Error).message}`);
      return false;
    }
  }
}
