// Reads every configured job's listing (always all jobs: an abstraction's owner may be any job, or none) and
// judges each zform hold and bookmark found there (src/plan/stale-abstractions.ts).
import type { Config } from '../config/types.js';
import type { HostPool } from '../hosts.js';
import type { AbstractionStatus } from '../plan/stale-abstractions.js';
import { readInventories } from '../plan/read.js';
import { computeStaleness } from '../plan/stale-abstractions.js';

/** `owners`: only abstractions whose name encodes one of these jobs (in the config or not); empty = all. */
export async function readAbstractions(config: Config, hosts: HostPool, owners: string[] = []): Promise<AbstractionStatus[]> {
  const { inventories, failures } = await readInventories(config, config.jobs.map((j) => j.name), (name) => hosts.get(name));
  // staleness needs every job's view (an abstraction's owner may be any job): a host that cannot be listed fails it
  const failed = Object.values(failures).flat()[0];
  if (failed) throw failed.error;
  const all = computeStaleness(config, inventories);
  return owners.length === 0 ? all : all.filter((a) => owners.includes(a.job));
}
