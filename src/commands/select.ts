// Which jobs a command works on: all, or those named with --job (each must exist).
import type { Config } from '../config/types.js';
import { UsageError } from '../errors.js';

export function selectJobs(config: Config, names: string[] | undefined): string[] {
  const all = config.jobs.map((j) => j.name);
  if (!names || names.length === 0) return all;
  for (const n of names) {
    if (!all.includes(n)) throw new UsageError(`unknown job "${n}" (jobs in ${config.file}: ${all.join(', ')})`);
  }
  return all.filter((n) => names.includes(n));
}
