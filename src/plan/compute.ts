// computePlan: the pure planner. Same input, same plan; no clock, no I/O.
import type { Plan } from './types.js';
import type { PlanInput } from './input.js';
import { PLAN_FORMAT_VERSION } from './types.js';
import { ZformError } from '../errors.js';
import { computeJobPlan } from './job.js';
import { addSummaries, emptySummary } from './summary.js';

export type { PlanInput, JobInventory, DecodedResumeToken } from './input.js';

/**
 * Jobs in the order given (config order); per job the snapshots due (one atomic batch per pool), then one
 * chain per dataset, parents first, each in execution order. Action ids are "<job>:<n>" in that order.
 */
export function computePlan(input: PlanInput): Plan {
  const jobs = input.jobs.map((name) => {
    const job = input.config.jobs.find((j) => j.name === name);
    if (!job) throw new ZformError('internal', `job "${name}" is not in ${input.config.file}`);
    return computeJobPlan(job, input.inventories[name], { now: input.now, resumeTokens: input.resumeTokens, allowRollback: input.allowRollback });
  });
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    zformVersion: input.zformVersion,
    createdAt: input.now.toISOString(),
    configFile: input.config.file,
    configDigest: input.config.digest,
    jobs,
    summary: addSummaries(jobs.map((j) => j.summary ?? emptySummary())),
  };
}
