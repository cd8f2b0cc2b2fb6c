// One job's plan: selected source datasets, snapshots due, each dataset's chain, placeholders for missing
// target parents, fingerprints, stable ids.
import type { JobConfig } from '../config/types.js';
import type { Listing } from '../zfs/types.js';
import type { Action, DatasetPlan, Diagnostic, Fingerprint, JobPlan } from './types.js';
import type { DecodedResumeToken, JobInventory } from './input.js';
import { compileFilter } from '../config/filter.js';
import { compileRegex } from '../config/regex.js';
import { indexListing } from './listing-index.js';
import { computeDueSnapshots } from './snapshots.js';
import { computeDatasetChain } from './dataset.js';
import { computeDatasetPruning } from './prune-job.js';
import { computeFingerprint } from './fingerprint.js';
import { computeJobSummary } from './summary.js';
import { ancestorsBetween, comparePaths, isWithin } from './paths.js';
import { isOwnTargetTree } from './selection.js';

export interface JobPlanContext {
  now: Date;
  resumeTokens: Record<string, DecodedResumeToken>;
  allowRollback: boolean;
}

const EMPTY: Listing = { datasets: [], versions: [], holds: [] };

export function computeJobPlan(job: JobConfig, inventory: JobInventory | undefined, ctx: JobPlanContext): JobPlan {
  const sourceHost = job.source.host;
  const targetHost = job.target?.host ?? null;
  const jobDiagnostics: Diagnostic[] = [];
  const jobDiag = (severity: Diagnostic['severity'], summary: string, detail: string[] = []) => jobDiagnostics.push({ severity, summary, detail, job: job.name });
  const finish = (snapshots: Action[], datasets: DatasetPlan[]): JobPlan => {
    datasets.sort((a, b) => comparePaths(a.source, b.source));
    let n = 0;
    for (const a of snapshots) a.id = `${job.name}:${++n}`;
    for (const d of datasets) for (const a of d.actions) a.id = `${job.name}:${++n}`;
    const plan = { job: job.name, sourceHost, targetHost, snapshots, datasets, diagnostics: jobDiagnostics };
    return { ...plan, summary: computeJobSummary(plan) };
  };
  if (!inventory) {
    jobDiag('error', `nothing was listed for job ${job.name}`);
    return finish([], []);
  }

  // Source datasets the filter selects (never the job's own target tree when both sides are one host).
  const sourceIndex = indexListing(inventory.source);
  const filter = compileFilter(job.source.filesystems);
  const rootFs = job.target?.rootFs ?? null;
  const selfTarget = (name: string) => isOwnTargetTree(job, name);
  const matched = sourceIndex.datasets().filter((d) => filter.matches(d.name));
  const selected = matched.filter((d) => !selfTarget(d.name)).sort((a, b) => comparePaths(a.name, b.name));
  if (matched.length > selected.length) {
    jobDiag('warning', `source.filesystems selects ${matched.length - selected.length} dataset(s) under root_fs ${rootFs}: skipped`, ['a job never replicates its own target tree']);
  }
  for (const [pattern, accept] of Object.entries(job.source.filesystems)) {
    const path = pattern.endsWith('<') ? pattern.slice(0, -1) : pattern;
    if (!accept || path === '') continue;
    const exists = pattern.endsWith('<') ? sourceIndex.datasets().some((d) => isWithin(d.name, path)) : sourceIndex.dataset(path) !== undefined;
    if (!exists) jobDiag('warning', `${path} (source.filesystems "${pattern}") does not exist on ${sourceHost}`);
  }
  if (selected.length === 0) jobDiag('warning', `no dataset on ${sourceHost} matches source.filesystems`);

  const due = computeDueSnapshots(job, selected, sourceIndex, ctx.now);
  const snapshots: Action[] = due.batches.map((b) => ({ id: '', host: sourceHost, side: 'source', kind: 'snapshot', pool: b.pool, snapshots: b.snapshots }));
  const sourceFingerprint = (name: string): Fingerprint => ({ host: sourceHost, dataset: name, digest: computeFingerprint(inventory.source, name) });
  const perDatasetSnapshotNotes = (name: string) => due.diagnostics.filter((d) => d.dataset === name);

  if (!job.target || rootFs === null || targetHost === null) {
    return finish(snapshots, selected.map((d) => {
      const plan: DatasetPlan = { source: d.name, target: null, dependsOn: [], actions: [], diagnostics: perDatasetSnapshotNotes(d.name), fingerprints: [sourceFingerprint(d.name)] };
      const pruning = computeDatasetPruning({ job, now: ctx.now, plan, source: d, sourceIndex, planned: due.due.get(d.name), target: null });
      plan.actions.push(...pruning.actions);
      plan.diagnostics.push(...pruning.diagnostics);
      return plan;
    }));
  }

  const targetListing = inventory.target ?? EMPTY;
  if (!inventory.target) jobDiag('error', `the target of job ${job.name} was not listed`);
  const targetIndex = indexListing(targetListing);
  const targetFingerprint = (name: string): Fingerprint => ({ host: targetHost, dataset: name, digest: computeFingerprint(targetListing, name) });
  const targetOf = (sourceName: string) => `${rootFs}/${sourceName}`;
  const rootMissingPool = !targetIndex.dataset(rootFs) && !rootFs.includes('/');
  if (rootMissingPool) {
    jobDiag('error', `root_fs ${rootFs} does not exist on ${targetHost}, and zform does not create pools`, ['create the pool (or point target.root_fs at an existing dataset); nothing is replicated until then']);
  }
  const replicable = job.replication.snapshots !== undefined ? ((re: RegExp) => (n: string) => re.test(n))(compileRegex(job.replication.snapshots)) : () => true;

  const plans = new Map<string, DatasetPlan>();
  /** target datasets this plan creates (by a full receive or as a placeholder) → the source key of that chain */
  const creators = new Map<string, string>();
  const placeholderPlan = (target: string): DatasetPlan => {
    // root_fs has no source counterpart: its placeholder's key is ""
    const key = target === rootFs ? '' : target.slice(rootFs.length + 1);
    let p = plans.get(key);
    if (!p) {
      p = { source: key, target, dependsOn: [], actions: [], diagnostics: [], fingerprints: [targetFingerprint(target)] };
      plans.set(key, p);
    }
    return p;
  };

  for (const d of selected) {
    const T = targetOf(d.name);
    const chain = rootMissingPool
      ? { actions: [], diagnostics: [], createsTarget: false }
      : computeDatasetChain({
        job, sourceHost, targetHost, source: d, sourceIndex, targetName: T, target: targetIndex.dataset(T), targetIndex,
        planned: due.due.get(d.name), replicable, resumeTokens: ctx.resumeTokens, allowRollback: ctx.allowRollback || job.replication.allowRollback,
      });
    const plan: DatasetPlan = {
      source: d.name, target: T, dependsOn: [], actions: chain.actions,
      diagnostics: [...perDatasetSnapshotNotes(d.name), ...chain.diagnostics],
      fingerprints: [sourceFingerprint(d.name), targetFingerprint(T)],
    };
    plans.set(d.name, plan);
    // Pruning after the chain (it sees the snapshots the chain sends), never for a job whose target side is
    // unknown (not listed, or a missing pool): what the target has decides what the source may let go.
    if (inventory.target && !rootMissingPool) {
      const pruning = computeDatasetPruning({
        job, now: ctx.now, plan, source: d, sourceIndex, planned: due.due.get(d.name),
        target: { host: targetHost, name: T, record: targetIndex.dataset(T), index: targetIndex },
      });
      plan.actions.push(...pruning.actions);
      plan.diagnostics.push(...pruning.diagnostics);
    }
    if (!chain.createsTarget) continue;
    // Missing target ancestors, root_fs down to the parent: created by an earlier chain, or as placeholders (once).
    const deps: string[] = [];
    for (const a of ancestorsBetween(rootFs, T)) {
      const creator = creators.get(a);
      if (creator !== undefined) { deps.push(creator); continue; }
      if (targetIndex.dataset(a)) continue;
      const p = placeholderPlan(a);
      p.actions.push({ id: '', host: targetHost, side: 'target', kind: 'create_placeholder', dataset: a, encryption: job.recv.placeholder.encryption });
      p.dependsOn = [...deps];
      creators.set(a, p.source);
      deps.push(p.source);
    }
    plan.dependsOn = deps;
    creators.set(T, d.name);
  }
  return finish(snapshots, [...plans.values()]);
}

