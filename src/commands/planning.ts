// Shared by plan and apply: read the config, list both sides of the selected jobs, compute the plan.
import type { Config } from '../config/types.js';
import type { Plan } from '../plan/types.js';
import type { HostPool } from '../hosts.js';
import type { Io } from '../io.js';
import { readInventories } from '../plan/read.js';
import { computePlan } from '../plan/compute.js';
import { ZFORM_VERSION } from '../version.js';
import type { Observability } from '../obs/observe.js';

export interface PlanningOptions {
  jobs: string[];
  allowRollback: boolean;
  /** --release-stale */
  releaseStale?: boolean;
  /** false: a plan only displayed, without fingerprints (PlanInput.fingerprints; default true) */
  fingerprints?: boolean;
  /** logs and trace spans of the two phases */
  obs?: Observability;
}

export async function planNow(config: Config, hosts: HostPool, io: Io, opts: PlanningOptions): Promise<Plan> {
  const phase = <T>(name: string, fn: () => Promise<T>) => (opts.obs ? opts.obs.span(name, { jobs: opts.jobs.join(',') }, fn) : fn());
  const { inventories, resumeTokens, failures, programs } = await phase('list', () => readInventories(config, opts.jobs, (name) => hosts.get(name), { checkPrograms: true }));
  const plan = await phase('compute plan', async () => computePlan({
    listingFailures: failures,
    config,
    jobs: opts.jobs,
    inventories,
    resumeTokens,
    programs,
    now: io.now(),
    zformVersion: ZFORM_VERSION,
    allowRollback: opts.allowRollback,
    releaseStale: opts.releaseStale ?? false,
    fingerprints: opts.fingerprints ?? true,
  }));
  opts.obs?.planned(plan);
  return plan;
}
