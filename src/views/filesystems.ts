// `zform test filesystems` for people (a +/- line per dataset with the deciding pattern) and as JSON.
import { Chalk } from 'chalk';
import type { FilesystemsReport, JobFilesystems } from '../selection/report.js';
import type { DatasetSelection } from '../plan/selection.js';

const pattern = (p: string, v: boolean) => `"${p}": ${v}`;

/** Why a dataset is in or out, in words. */
export function describeSelection(d: DatasetSelection, ownRootFs: string | null): string {
  switch (d.reason) {
    case 'pattern': return `${d.selected ? 'selected' : 'rejected'} by ${pattern(d.pattern!, d.patternValue!)}`;
    case 'no_pattern': return 'no pattern covers it';
    case 'own_target': return `${pattern(d.pattern!, d.patternValue!)}, but it is inside the job's own root_fs ${ownRootFs} (a job never replicates its target)`;
  }
}

function scopeText(j: JobFilesystems): string {
  if (j.scope === 'input') return 'the names given with --input (not looked up)';
  if (j.scope === 'all' || (j.listedRoots ?? []).length === 0) return `every pool on ${j.sourceHost}`;
  return `${j.listedRoots!.join(', ')} on ${j.sourceHost} (--all: every pool)`;
}

export function renderFilesystemsHuman(report: FilesystemsReport, opts: { color: boolean }): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const blocks = report.jobs.map((j) => {
    const filters = Object.entries(j.filesystems).map(([p, v]) => pattern(p, v)).join(', ');
    const out = [`${c.bold(`job ${j.job}`)} (source ${j.sourceHost}; filesystems ${filters})`, `  tested: ${scopeText(j)}`];
    if (j.error !== null) {
      out.push(`  ${c.red('error')}: ${j.sourceHost} could not be listed: ${j.error}`);
      return out.join('\n');
    }
    const width = Math.max(0, ...j.datasets.map((d) => d.dataset.length));
    for (const d of j.datasets) {
      const mark = d.selected ? c.green('+') : c.red('-');
      out.push(`  ${mark} ${d.dataset.padEnd(width)}  ${describeSelection(d, j.ownRootFs)}`);
    }
    for (const p of j.unmatchedPatterns) out.push(`  ${c.yellow('!')} "${p}": true covers no dataset on ${j.sourceHost}`);
    const n = j.datasets.filter((d) => d.selected).length;
    out.push(`  ${n} of ${j.datasets.length} dataset${j.datasets.length === 1 ? '' : 's'} selected`);
    return out.join('\n');
  });
  return blocks.join('\n\n') + '\n';
}

/** The report value itself, 2-space indented, no trailing newline. */
export function renderFilesystemsJson(report: FilesystemsReport): string {
  return JSON.stringify(report, null, 2);
}
