// `zform test filesystems`: per job, which source datasets its filter selects and why (schemas/filesystems.schema.json).
// computeFilesystemsReport is pure; readFilesystemsReport lists the source hosts (the plan's listing, or every pool).
import type { Config, JobConfig } from '../config/types.js';
import type { HostPool } from '../hosts.js';
import { compileFilter } from '../config/filter.js';
import { computeDatasetSelection, type DatasetSelection } from '../plan/selection.js';
import { comparePaths, isWithin } from '../plan/paths.js';
import { ZformError } from '../errors.js';

export const FILESYSTEMS_FORMAT_VERSION = 1;

/** What was tested: the datasets under the filter's roots (what plan lists), every pool, or the names given. */
export type FilesystemsScope = 'roots' | 'all' | 'input';

export interface JobFilesystems {
  job: string;
  sourceHost: string;
  /** source.filesystems as configured */
  filesystems: Record<string, boolean>;
  /** target.root_fs when the target is the source host (datasets inside it are never selected); else null */
  ownRootFs: string | null;
  scope: FilesystemsScope;
  /** the datasets listed recursively (scope roots: the filter's roots; [] = every pool); null for scope input */
  listedRoots: string[] | null;
  /** accepting patterns that cover no listed dataset (a typo, a dataset not created yet); [] for scope input */
  unmatchedPatterns: string[];
  /** why the source host could not be listed (then datasets is empty); null when it was */
  error: string | null;
  datasets: DatasetSelection[];
}

export interface FilesystemsReport {
  formatVersion: typeof FILESYSTEMS_FORMAT_VERSION;
  configFile: string;
  jobs: JobFilesystems[];
}

/** One job's decisions about the given dataset names (sorted, parents first). */
export function computeJobFilesystems(job: JobConfig, names: string[], scope: FilesystemsScope, listedRoots: string[] | null): JobFilesystems {
  const filter = compileFilter(job.source.filesystems);
  const sorted = [...new Set(names)].sort(comparePaths);
  const covers = (pattern: string, n: string) => (pattern.endsWith('<') ? isWithin(n, pattern.slice(0, -1)) : n === pattern);
  const unmatchedPatterns = scope === 'input' ? [] : Object.entries(job.source.filesystems)
    .filter(([p, accept]) => accept && p !== '<' && !sorted.some((n) => covers(p, n))).map(([p]) => p);
  return {
    job: job.name, sourceHost: job.source.host, filesystems: { ...job.source.filesystems },
    ownRootFs: job.target && job.target.host === job.source.host ? job.target.rootFs : null, scope, listedRoots, unmatchedPatterns, error: null,
    datasets: sorted.map((n) => computeDatasetSelection(job, filter, n)),
  };
}

export interface FilesystemsOptions {
  /** list every pool on the source host, not only the filter's roots */
  all: boolean;
  /** test these names only (no listing) */
  input?: string[];
}

/** Lists each selected job's source host (a host listed once per set of roots) and decides every dataset found. */
export async function readFilesystemsReport(config: Config, jobs: string[], hosts: HostPool, opts: FilesystemsOptions): Promise<FilesystemsReport> {
  const listings = new Map<string, Promise<string[]>>();
  const list = (host: string, roots: string[]) => {
    const key = `${host}\0${roots.join('\0')}`;
    let p = listings.get(key);
    if (!p) {
      p = hosts.get(host).list(roots).then((l) => l.datasets.map((d) => d.name));
      listings.set(key, p);
    }
    return p;
  };
  const out: JobFilesystems[] = [];
  for (const name of jobs) {
    const job = config.jobs.find((j) => j.name === name)!;
    if (opts.input) { out.push(computeJobFilesystems(job, opts.input, 'input', null)); continue; }
    const roots = opts.all ? [] : compileFilter(job.source.filesystems).roots() ?? [];
    try {
      out.push(computeJobFilesystems(job, await list(job.source.host, roots), opts.all ? 'all' : 'roots', roots));
    } catch (err) {
      const message = err instanceof ZformError ? err.shortMessage : err instanceof Error ? err.message.split('\n')[0]! : String(err);
      out.push({ ...computeJobFilesystems(job, [], opts.all ? 'all' : 'roots', roots), unmatchedPatterns: [], error: message });
    }
  }
  return { formatVersion: FILESYSTEMS_FORMAT_VERSION, configFile: config.file, jobs: out };
}
