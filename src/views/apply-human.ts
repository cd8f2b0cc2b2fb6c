// Apply progress for people: a redrawn progress line (an ora spinner behind width guards, progress-line.ts) per
// step on a terminal wide enough for one, one plain line per finished step otherwise.
import { Chalk } from 'chalk';
import { createProgressLine, type ProgressLine } from './progress-line.js';
import type { Io } from '../io.js';
import type { ApplyEvent, ApplyResult } from '../apply/events.js';
import { describeAction } from '../plan/describe.js';
import { formatBytes } from '../config/units.js';
import { totalsLine } from './apply-totals.js';

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
  // one progress line, for the step that started last (a step finishing meanwhile prints its line above it)
  const spinner: ProgressLine | null = opts.tty ? createProgressLine(io.stdout, (f) => c.cyan(f)) : null;
  let current = '';
  let lastProgress = 0;
  const onEvent = (ev: ApplyEvent) => {
    switch (ev.type) {
      case 'apply_start':
        current = ev.action.id;
        spinner?.set(describeAction(ev.action));
        break;
      case 'apply_progress':
        if (spinner && current === ev.action.id && ev.at.getTime() - lastProgress > 200) {
          lastProgress = ev.at.getTime();
          spinner.set(`${describeAction(ev.action)}: ${progressText(ev)}`);
        }
        break;
      case 'apply_complete': {
        const wire = ev.wireBytes !== undefined ? `, ${formatBytes(ev.wireBytes)} on the wire` : '';
        const extra = ev.bytes !== null ? ` (${formatBytes(ev.bytes)}${wire} in ${(ev.elapsedMs / 1000).toFixed(1)} s)` : '';
        const line = `${describeAction(ev.action)}${extra}`;
        if (spinner) { spinner.print(`${c.green('✔')} ${line}`); if (current === ev.action.id) spinner.stop(); } else io.stdout.write(`${c.green('done')}  ${line}\n`);
        break;
      }
      case 'apply_errored': {
        const line = `${describeAction(ev.action)}: ${ev.error}`;
        if (spinner) { spinner.print(`${c.red('✖')} ${c.red(line)}`); if (current === ev.action.id) spinner.stop(); } else io.stdout.write(`${c.red('failed')} ${line}\n`);
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

export function renderApplySummary(r: ApplyResult, color: boolean): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const bad = r.outcomes.filter((o) => o.status === 'failed' || o.status === 'skipped' || o.status === 'conflict');
  const interrupted = r.outcomes.filter((o) => o.status === 'interrupted');
  const lines: string[] = [''];
  if (r.interrupted) {
    lines.push(c.yellow.bold(`Apply interrupted: ${totalsLine(r)} done.`));
    lines.push(`${interrupted.length} dataset(s) not completed; run zform plan to see how the next apply resumes them.`);
  } else if (bad.length === 0 && r.snapshotFailures.length === 0) {
    lines.push(c.green.bold(`Apply complete! ${totalsLine(r)}.`));
  } else {
    lines.push(c.red.bold(`Apply failed: ${totalsLine(r)} done; ${bad.length + r.snapshotFailures.length} problem(s):`));
  }
  for (const f of r.snapshotFailures) lines.push(`  ${c.red('error')} ${f}`);
  for (const o of bad) lines.push(`  ${c.red(o.status === 'skipped' ? 'skipped' : o.status === 'conflict' ? 'conflict' : 'failed')} ${o.job}: ${o.target ?? o.source}: ${o.reason ?? ''}`);
  return lines.join('\n') + '\n';
}
