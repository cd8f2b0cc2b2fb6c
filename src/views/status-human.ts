// Status for people: one verdict line per job, then a table of its datasets (age of the newest snapshot,
// newest replicated snapshot and its lag, pending snapshots, resumable state, cursor and holds), then why.
import { Chalk, type ChalkInstance } from 'chalk';
import type { DatasetStatus, JobStatus, StatusReport, Verdict } from '../status/types.js';
import { formatAge, formatBytes } from '../config/units.js';

export interface StatusHumanOptions {
  color: boolean;
}

function age(iso: string | null, now: Date): string {
  if (iso === null) return '-';
  const ms = Math.max(0, now.getTime() - Date.parse(iso));
  return ms < 1000 ? 'now' : `${formatAge(ms)} ago`;
}

function paint(c: ChalkInstance, v: Verdict): string {
  switch (v) {
    case 'ok': return c.green(v);
    case 'lagging': return c.yellow(v);
    case 'conflict': return c.red(v);
    case 'failing': return c.red.bold(v);
  }
}

function protection(d: DatasetStatus): string {
  const parts: string[] = [];
  if (d.cursor) parts.push('cursor');
  if (d.lastReceivedHolds.length > 0) parts.push(`last_received${d.lastReceivedHolds.length > 1 ? `x${d.lastReceivedHolds.length}` : ''}`);
  if (d.stepHolds.length > 0) parts.push(`step x${d.stepHolds.length}`);
  if (d.tentativeCursors.length > 0) parts.push(`tentative x${d.tentativeCursors.length}`);
  return parts.length > 0 ? parts.join(',') : '-';
}

function row(d: DatasetStatus, now: Date, hasTarget: boolean): string[] {
  const last = d.lastSnapshot ? `@${d.lastSnapshot.name} (${age(d.lastSnapshot.createdAt, now)})` : '-';
  if (!hasTarget) return [d.source, d.verdict, last];
  const replicated = d.newestReplicated ? `@${d.newestReplicated.name}` : '-';
  const lag = d.lagSeconds === null ? '-' : formatAge(d.lagSeconds * 1000);
  const resume = d.resume ? (d.resume.bytesDone !== null ? formatBytes(d.resume.bytesDone) : 'yes') : '-';
  return [d.source, d.verdict, last, replicated, lag, String(d.pendingSnapshots), resume, protection(d)];
}

/** Columns padded to their widest cell; the verdict column painted after padding (so colour codes do not count). */
function table(header: string[], rows: string[][], c: ChalkInstance): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[], verdictCol: boolean) => r.map((cell, i) => {
    const padded = i === r.length - 1 ? cell : cell.padEnd(widths[i]!);
    return verdictCol && i === 1 ? padded.replace(cell, paint(c, cell as Verdict)) : padded;
  }).join('  ').trimEnd();
  return [c.bold(line(header, false)), ...rows.map((r) => line(r, true))];
}

function renderJob(j: JobStatus, now: Date, c: ChalkInstance): string[] {
  const where = j.targetHost ? `${j.sourceHost} → ${j.targetHost}` : `${j.sourceHost}, snapshots only`;
  const out = [`${c.bold(`job ${j.job}`)} (${where}): ${paint(c, j.verdict)}${j.lastSnapshotAt ? `, last snapshot ${age(j.lastSnapshotAt, now)}` : ''}`];
  if (j.datasets.length > 0) {
    const header = j.targetHost
      ? ['DATASET', 'VERDICT', 'LAST SNAPSHOT', 'REPLICATED', 'LAG', 'PENDING', 'RESUMABLE', 'PROTECTION']
      : ['DATASET', 'VERDICT', 'LAST SNAPSHOT'];
    out.push(...table(header, j.datasets.map((d) => row(d, now, j.targetHost !== null)), c).map((l) => '  ' + l));
  }
  const why = [...j.reasons.filter((r) => !/^\d+ datasets? /.test(r)), ...j.datasets.flatMap((d) => d.reasons.map((r) => `${d.source}: ${r}`))];
  for (const r of why) out.push(`  ${c.dim('-')} ${r}`);
  return out;
}

export function renderStatusHuman(report: StatusReport, opts: StatusHumanOptions): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const now = new Date(report.createdAt);
  const blocks = report.jobs.map((j) => renderJob(j, now, c).join('\n'));
  const counts = (['ok', 'lagging', 'conflict', 'failing'] as Verdict[]).map((v) => [v, report.jobs.filter((j) => j.verdict === v).length] as const).filter(([, n]) => n > 0);
  const summary = `Status: ${paint(c, report.verdict)} (${counts.map(([v, n]) => `${n} ${v}`).join(', ') || 'no jobs'})`;
  return [...blocks, summary].join('\n\n') + '\n';
}
