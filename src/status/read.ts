// Reads what computeStatus needs (the same listing the planner reads, and the plan made of it) and computes it.
import type { Config } from '../config/types.js';
import type { HostPool } from '../hosts.js';
import type { StatusReport } from './types.js';
import { readInventories } from '../plan/read.js';
import { computePlan } from '../plan/compute.js';
import { computeStatus } from './compute.js';
import { ZFORM_VERSION } from '../version.js';

export async function readStatus(config: Config, jobs: string[], hosts: HostPool, now: Date, lagThresholdMs?: number): Promise<StatusReport> {
  const { inventories, resumeTokens, failures } = await readInventories(config, jobs, (name) => hosts.get(name));
  // a host that cannot be listed fails only the jobs that need it (their verdict: failing, with the cause)
  const plan = computePlan({ config, jobs, inventories, resumeTokens, listingFailures: failures, now, zformVersion: ZFORM_VERSION, allowRollback: false });
  return computeStatus({ config, jobs, inventories, resumeTokens, plan, now, zformVersion: ZFORM_VERSION, lagThresholdMs });
}
