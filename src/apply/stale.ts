// A saved plan runs only if planning again now, as of its own time and with its own options, gives the same plan.
import type { Config } from '../config/types.js';
import type { Plan } from '../plan/types.js';
import type { HostPool } from '../hosts.js';
import { readInventories } from '../plan/read.js';
import { computePlan } from '../plan/compute.js';
import { asJsonValue, computePlanDifference } from '../plan/compare.js';
import { StalePlanError } from '../errors.js';
import { ZFORM_VERSION } from '../version.js';

/** How far a saved plan's time may be ahead of this host's clock (plans made on another host). */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

function refuse(msg: string): never {
  throw new StalePlanError(`saved plan refused: ${msg}; plan again`);
}

/**
 * What the file alone can tell, before any lock is taken or any zfs command runs: it was made from this config
 * (the same digest), its jobs are jobs of this config, each named once, on the config's hosts. Returns the jobs to
 * lock and plan again, in config order. The config is never the one a plan file names: that path appears only here,
 * in the message when the digests differ.
 */
export function checkSavedPlanFile(saved: Plan, config: Config, now: Date): string[] {
  if (saved.configDigest !== config.digest) {
    throw new StalePlanError(`saved plan is stale: it was made from the configuration ${JSON.stringify(saved.configFile)}, and ${config.file} differs from it (changed since, or another file); plan again`);
  }
  const at = new Date(saved.createdAt).getTime();
  if (Number.isNaN(at)) refuse(`createdAt ${JSON.stringify(saved.createdAt)} is not a time`);
  // planned again as of its own time: a time to come would make snapshots and pruning of the future
  if (at > now.getTime() + MAX_CLOCK_SKEW_MS) refuse(`it is dated ${saved.createdAt}, later than now (${now.toISOString()})`);
  const seen = new Set<string>();
  for (const name of [...saved.options.jobs, ...saved.jobs.map((j) => j.job)]) {
    if (!config.jobs.some((j) => j.name === name)) refuse(`job ${JSON.stringify(name)} is not in ${config.file}`);
  }
  for (const name of saved.options.jobs) {
    if (seen.has(name)) refuse(`job ${name} is named twice`);
    seen.add(name);
  }
  const planned = saved.jobs.map((j) => j.job);
  if (planned.length !== seen.size || new Set(planned).size !== planned.length || planned.some((j) => !seen.has(j))) {
    refuse(`its jobs (${planned.join(', ')}) are not the jobs it was made for (${saved.options.jobs.join(', ')})`);
  }
  for (const jp of saved.jobs) {
    const job = config.jobs.find((j) => j.name === jp.job)!;
    const hosts = new Set([job.source.host, ...(job.target ? [job.target.host] : [])]);
    if (jp.sourceHost !== job.source.host || jp.targetHost !== (job.target?.host ?? null)) {
      refuse(`job ${jp.job} names hosts ${jp.sourceHost} and ${String(jp.targetHost)}, the config ${job.source.host} and ${job.target?.host ?? 'none'}`);
    }
    for (const a of [...jp.snapshots, ...jp.datasets.flatMap((d) => d.actions)]) {
      const on = [a.host, ...(a.kind === 'send' ? [a.targetHost] : [])];
      const foreign = on.find((h) => !hosts.has(h));
      if (foreign !== undefined) refuse(`job ${jp.job}, action ${a.id} (${a.kind}) runs on host ${JSON.stringify(foreign)}, which is not a host of this job`);
    }
  }
  return config.jobs.map((j) => j.name).filter((n) => seen.has(n));
}

/**
 * Lists the jobs' datasets again and computes the plan as of the saved plan's time with its options; returns it
 * when it equals the saved one (then it is what apply runs, and what it shows), else throws StalePlanError naming
 * the first difference (job, dataset, action). A host that cannot be listed fails the apply: a saved plan is all
 * or nothing. Call it holding the jobs' locks.
 */
export async function recomputeSavedPlan(saved: Plan, config: Config, jobs: string[], hosts: HostPool, now: Date): Promise<Plan> {
  // the programs a job's send needs (send.compression over SSH) are asked as `zform plan` asks them
  const { inventories, resumeTokens, failures, programs } = await readInventories(config, jobs, (name) => hosts.get(name), { checkPrograms: true });
  const failed = Object.values(failures).flat()[0];
  if (failed) throw failed.error;
  // As of the plan's time, but never later than now: a plan dated ahead (a clock that runs fast, or an edited
  // createdAt) would otherwise prune, destroy or snapshot as of a time to come. Planned as of now instead, it runs
  // only if nothing in it depends on the difference.
  const at = new Date(Math.min(new Date(saved.createdAt).getTime(), now.getTime()));
  const fresh = computePlan({
    config, jobs, inventories, resumeTokens, programs, now: at, zformVersion: ZFORM_VERSION,
    allowRollback: saved.options.allowRollback, releaseStale: saved.options.releaseStale,
  });
  const diff = computePlanDifference(saved, asJsonValue(fresh) as Plan);
  // A difference the fingerprints do not explain is an edited file, or a change in ZFS they do not cover (data
  // written to a target, a hold placed or released): both are said, the admin knows which
  const why = diff?.kind === 'differs' ? ' (the file was edited, or ZFS changed since in what the fingerprints do not cover: data written, holds)' : '';
  if (diff) throw new StalePlanError(`saved plan ${diff.kind === 'changed' ? 'is stale' : 'refused'}: ${diff.message}${why}; plan again`);
  return fresh;
}
