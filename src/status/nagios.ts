// `zform status --nagios`: the status report as one Nagios/Icinga plugin line, `STATE - text | perfdata`, and its
// exit code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). Pure.
//
// Per job: a host that could not be listed: UNKNOWN; failing or conflict: CRITICAL; lagging: WARNING, or CRITICAL
// when its largest lag exceeds --lag-critical; else OK. The check's state is the worst, in the order
// CRITICAL > UNKNOWN > WARNING > OK (what zform could not see may be critical; a known lag is not).
import type { DatasetStatus, JobStatus, StatusReport } from './types.js';
import { formatDuration } from '../config/units.js';

export type NagiosState = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';
export const NAGIOS_EXIT: Record<NagiosState, number> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };
const ORDER: NagiosState[] = ['CRITICAL', 'UNKNOWN', 'WARNING', 'OK'];

export interface NagiosCheck {
  state: NagiosState;
  /** the text after "STATE - " (no "|", one line) */
  text: string;
  /** `'label'=value[UOM];warn;crit;min` items */
  perfdata: string[];
}

export interface NagiosOptions {
  /** lag (seconds) above which a lagging job is CRITICAL; undefined: lag alone is never CRITICAL */
  lagCriticalSeconds?: number;
}

/** A dataset's lag in seconds: since its newest replicated snapshot, or (no target) since its newest snapshot. */
function datasetLag(d: DatasetStatus, now: number): number | null {
  if (d.target !== null) return d.lagSeconds;
  return d.lastSnapshot ? Math.max(0, Math.round((now - Date.parse(d.lastSnapshot.createdAt)) / 1000)) : null;
}

function maxLag(j: JobStatus, now: number): number | null {
  const lags = j.datasets.map((d) => datasetLag(d, now)).filter((l): l is number => l !== null);
  return lags.length > 0 ? Math.max(...lags) : null;
}

const oneLine = (s: string) => s.replace(/[|\n\r]/g, ' ');

function firstReason(j: JobStatus): string | undefined {
  return [...j.reasons.filter((r) => !/^\d+ datasets? /.test(r)), ...j.datasets.flatMap((d) => d.reasons.map((r) => `${d.source}: ${r}`))][0];
}

function jobCheck(j: JobStatus, now: number, opts: NagiosOptions): { state: NagiosState; text: string } {
  if (j.unlistedHosts.length > 0) return { state: 'UNKNOWN', text: `${j.job}: ${j.unlistedHosts.join(', ')} could not be listed` };
  const why = firstReason(j);
  if (j.verdict === 'failing' || j.verdict === 'conflict') return { state: 'CRITICAL', text: `${j.job} ${j.verdict}${why ? ` (${why})` : ''}` };
  if (j.verdict === 'lagging') {
    const lag = maxLag(j, now);
    const critical = opts.lagCriticalSeconds !== undefined && lag !== null && lag > opts.lagCriticalSeconds;
    const lagText = lag !== null ? `lag ${formatDuration(lag * 1000)}` : 'nothing replicated yet';
    return { state: critical ? 'CRITICAL' : 'WARNING', text: `${j.job} lagging, ${lagText}${critical ? ` > ${formatDuration(opts.lagCriticalSeconds! * 1000)}` : ''}${why ? ` (${why})` : ''}` };
  }
  return { state: 'OK', text: j.job };
}

/** Perfdata labels in single quotes (a quote doubled), as the plugin guidelines ask. */
const label = (s: string) => `'${s.replace(/'/g, "''")}'`;

export function computeNagiosCheck(report: StatusReport, opts: NagiosOptions = {}): NagiosCheck {
  const now = Date.parse(report.createdAt);
  const checks = report.jobs.map((j) => ({ job: j, ...jobCheck(j, now, opts) }));
  const state = ORDER.find((s) => checks.some((c) => c.state === s)) ?? 'OK';
  const datasets = report.jobs.reduce((n, j) => n + j.datasets.length, 0);
  const problems = checks.filter((c) => c.state !== 'OK').sort((a, b) => ORDER.indexOf(a.state) - ORDER.indexOf(b.state));
  const lags = report.jobs.map((j) => maxLag(j, now)).filter((l): l is number => l !== null);
  let text: string;
  if (report.jobs.length === 0) text = 'no jobs selected';
  else if (problems.length === 0) {
    text = `${report.jobs.length} job${report.jobs.length === 1 ? '' : 's'} ok, ${datasets} dataset${datasets === 1 ? '' : 's'}${lags.length > 0 ? `, largest lag ${formatDuration(Math.max(...lags) * 1000)}` : ''}`;
  } else {
    text = `${problems.length} of ${report.jobs.length} job${report.jobs.length === 1 ? '' : 's'} not ok: ${problems.map((p) => p.text).join('; ')}`;
  }
  const perfdata: string[] = [];
  for (const j of report.jobs) {
    const lag = maxLag(j, now);
    if (lag !== null) perfdata.push(`${label(`${j.job} lag`)}=${lag}s;${j.lagThresholdSeconds > 0 ? j.lagThresholdSeconds : ''};${opts.lagCriticalSeconds ?? ''};0`);
  }
  for (const v of ['lagging', 'conflict', 'failing'] as const) {
    perfdata.push(`${label(`datasets ${v}`)}=${report.jobs.reduce((n, j) => n + j.datasets.filter((d) => d.verdict === v).length, 0)};;;0;${datasets}`);
  }
  return { state, text: oneLine(text), perfdata };
}

/** `STATE - text | perfdata` and a newline. */
export function renderNagiosLine(check: Pick<NagiosCheck, 'state' | 'text' | 'perfdata'>): string {
  return `${check.state} - ${check.text}${check.perfdata.length > 0 ? ` | ${check.perfdata.join(' ')}` : ''}\n`;
}
