// Apply progress for people: on a terminal wide enough, a redrawn progress block (an ora spinner behind width guards,
// progress-line.ts): the running step's line, or with several steps running at once (replication.concurrency, jobs on
// different hosts) a total and one line per running step; otherwise one plain line per finished step, each written
// whole, so that concurrent steps never interleave mid-line.
import { Chalk } from 'chalk';
import { createProgressLine, type ProgressLine } from './progress-line.js';
import type { Io } from '../io.js';
import type { ApplyEvent, ApplyResult } from '../apply/events.js';
import { describeAction } from '../plan/describe.js';
import { formatBytes } from '../config/units.js';
import { doneText, problemOutcomes, totalsLine } from './apply-totals.js';

function rate(bytes: number, ms: number): string {
  return ms > 0 ? `${formatBytes((bytes * 1000) / ms)}/s` : '';
}

export function progressText(ev: Extract<ApplyEvent, { type: 'apply_progress' }>): string {
  const parts = [formatBytes(ev.bytes)];
  if (ev.estimatedBytes && ev.estimatedBytes > 0) {
    const pct = Math.min(100, Math.floor((ev.bytes / ev.estimatedBytes) * 100));
    parts[0] += ` of ~${formatBytes(ev.estimatedBytes)} (${pct}%)`;
    const r = ev.elapsedMs > 0 ? ev.bytes / ev.elapsedMs : 0;
    if (r > 0 && ev.bytes < ev.estimatedBytes) parts.push(`ETA ${Math.ceil((ev.estimatedBytes - ev.bytes) / r / 1000)}s`);
  }
  const rt = rate(ev.bytes, ev.elapsedMs);
  if (rt) parts.push(rt);
  if (ev.wireBytes !== undefined) parts.push(`${formatBytes(ev.wireBytes)} on the wire`);
  return parts.join(', ');
}

export function createHumanApplyView(io: Io, opts: { color: boolean; tty: boolean }) {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  // the running steps' lines (a step finishing meanwhile prints its line above them)
  const spinner: ProgressLine | null = opts.tty ? createProgressLine(io.stdout, (f) => c.cyan(f)) : null;
  const live = spinner ? createLiveSteps(spinner) : null;
  const onEvent = (ev: ApplyEvent) => {
    live?.onEvent(ev);
    switch (ev.type) {
      case 'apply_start':
      case 'apply_progress':
        break;
      case 'apply_complete': {
        const wire = ev.wireBytes !== undefined ? `, ${formatBytes(ev.wireBytes)} on the wire` : '';
        const extra = ev.bytes !== null ? ` (${formatBytes(ev.bytes)}${wire} in ${(ev.elapsedMs / 1000).toFixed(1)} s)` : '';
        const line = `${describeAction(ev.action)}${extra}`;
        if (spinner) { spinner.print(`${c.green('✔')} ${line}`); live!.ended(ev.action.id); } else io.stdout.write(`${c.green('done')}  ${line}\n`);
        break;
      }
      case 'apply_errored': {
        const line = `${describeAction(ev.action)}: ${ev.error}`;
        if (spinner) { spinner.print(`${c.red('✖')} ${c.red(line)}`); live!.ended(ev.action.id); } else io.stdout.write(`${c.red('failed')} ${line}\n`);
        break;
      }
      case 'hook_done': {
        const line = `hook ${ev.hook.phase} ${ev.hook.path} on ${ev.hook.host}: ${ev.end}`;
        const mark = ev.ok ? c.green(spinner ? '✔' : 'done ') : c.red(spinner ? '✖' : 'failed');
        if (spinner) spinner.print(`${mark} ${line}`); else io.stdout.write(`${mark} ${line}\n`);
        break;
      }
      case 'dataset_skipped':
        if (spinner) spinner.print(`${c.yellow('skipped')} ${ev.dataset}: ${ev.reason}`); else io.stdout.write(`${c.yellow('skipped')} ${ev.dataset}: ${ev.reason}\n`);
        break;
    }
  };
  const finish = (r: ApplyResult) => {
    spinner?.stop();
    io.stdout.write(renderApplySummary(r, opts.color));
  };
  return { onEvent, finish };
}

/** The steps running now, drawn on the progress block: one step as one line (as ever), several as a total line and
 *  one line per step, in the order they started. */
function createLiveSteps(spinner: ProgressLine) {
  const steps = new Map<string, { text: string; bytes: number; job: string }>();
  let doneBytes = 0;
  const redraw = () => {
    if (steps.size === 0) { spinner.stop(); return; }
    const all = [...steps.values()];
    if (all.length === 1) { spinner.set(all[0]!.text); return; }
    const bytes = doneBytes + all.reduce((n, st) => n + st.bytes, 0);
    const jobs = new Set(all.map((st) => st.job));
    const head = `${all.length} steps running${jobs.size > 1 ? ` in ${jobs.size} jobs` : ''}: ${formatBytes(bytes)} sent so far`;
    spinner.setLines([head, ...all.map((st) => `  ${jobs.size > 1 ? `${st.job}: ` : ''}${st.text}`)]);
  };
  return {
    onEvent(ev: ApplyEvent): void {
      if (ev.type === 'apply_start') steps.set(ev.action.id, { text: describeAction(ev.action), bytes: 0, job: ev.job });
      else if (ev.type === 'apply_progress' && steps.has(ev.action.id)) steps.set(ev.action.id, { text: `${describeAction(ev.action)}: ${progressText(ev)}`, bytes: ev.bytes, job: ev.job });
      else if (ev.type === 'apply_complete' && ev.bytes !== null) doneBytes += ev.bytes;
      else return;
      if (ev.type !== 'apply_complete') redraw();
    },
    /** a step ended (its line was printed): the block shows the others */
    ended(id: string): void {
      if (steps.delete(id) || steps.size === 0) redraw();
    },
  };
}

export function renderApplySummary(r: ApplyResult, color: boolean): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const bad = problemOutcomes(r);
  const interrupted = r.outcomes.filter((o) => o.status === 'interrupted');
  const lines: string[] = [''];
  if (r.interrupted) {
    lines.push(c.yellow.bold(`Apply interrupted: ${doneText(r)}.`));
    lines.push(`${interrupted.length} dataset(s) not completed; run zform plan to see how the next apply resumes them.`);
  } else if (bad.length === 0 && r.snapshotFailures.length === 0) {
    lines.push(c.green.bold(`Apply complete! ${totalsLine(r)}.`));
  } else {
    lines.push(c.red.bold(`Apply failed: ${doneText(r)}; ${bad.length + r.snapshotFailures.length} problem(s):`));
  }
  for (const f of r.snapshotFailures) lines.push(`  ${c.red('error')} ${f}`);
  for (const o of bad) lines.push(`  ${c.red(o.status === 'skipped' ? 'skipped' : o.status === 'conflict' ? 'conflict' : 'failed')} ${o.job}: ${o.target ?? o.source}: ${o.reason ?? ''}`);
  return lines.join('\n') + '\n';
}
