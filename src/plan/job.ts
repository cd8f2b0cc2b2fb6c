// One job's plan: selected source datasets, snapshots due, each dataset's chain, placeholders for missing
// target parents, fingerprints, stable ids.
import type { JobConfig } from '../config/types.js';
import type { DatasetRecord, Listing, VersionRecord } from '../zfs/types.js';
import type { Action, DatasetPlan, Diagnostic, Fingerprint, JobPlan } from './types.js';
import type { DecodedResumeToken, JobInventory } from './input.js';
import { compileRegex, type ConfigRegex } from '../config/regex.js';
import { indexListing, type ListingIndex } from './listing-index.js';
import { computeDueSnapshots } from './snapshots.js';
import { computeDatasetChain } from './dataset.js';
import { computeDatasetPruning } from './prune-job.js';
import { computeFingerprint } from './fingerprint.js';
import { computeJobSummary } from './summary.js';
import { ancestorsBetween, comparePaths, isWithin, poolOf } from './paths.js';
import { selectDatasets } from './selection.js';
import type { WireChoice } from './wire.js';
import { computeJobHooks } from './hooks.js';
import { computeGoneTargets, type FollowedRename } from './missing.js';
import { addTo } from '../multimap.js';

export interface JobPlanContext {
  now: Date;
  resumeTokens: Record<string, DecodedResumeToken>;
  allowRollback: boolean;
  /** the job's compression on the wire (absent: none) */
  wire?: WireChoice;
  /** false: dataset plans without fingerprints (PlanInput.fingerprints) */
  fingerprints?: boolean;
}

const EMPTY: Listing = { datasets: [], versions: [], holds: [] };

export function computeJobPlan(job: JobConfig, inventory: JobInventory | undefined, ctx: JobPlanContext): JobPlan {
  const diagnostics: Diagnostic[] = [];
  if (!inventory) {
    diagnostics.push(jobDiagnostic(job, 'error', `nothing was listed for job ${job.name}`));
    return finishJobPlan(job, [], [], diagnostics);
  }
  const sourceIndex = indexListing(inventory.source);
  const selected = selectSources(job, sourceIndex, diagnostics);
  const due = computeDueSnapshots(job, selected, sourceIndex, ctx.now);
  const snapshots: Action[] = due.batches.map((b) => ({ id: '', host: job.source.host, side: 'source', kind: 'snapshot', pool: b.pool, snapshots: b.snapshots }));
  const scope: JobScope = { job, inventory, ctx, sourceIndex, selected, due, diagnostics };
  const datasets = job.target ? replicationPlans(scope, job.target) : snapshotOnlyPlans(scope);
  const plan = finishJobPlan(job, snapshots, datasets, diagnostics);
  const hooks = computeJobHooks(job, due.batches, plan.datasets, selected.map((d) => d.name));
  // optional members only when present: a plan without hooks or skips is the plan zform made before them
  return { ...plan, ...(hooks.length > 0 ? { hooks } : {}), ...(due.skipped.length > 0 ? { skipped: due.skipped } : {}) };
}

/** What every part of one job's plan reads. */
interface JobScope {
  job: JobConfig;
  inventory: JobInventory;
  ctx: JobPlanContext;
  sourceIndex: ListingIndex;
  /** the source datasets the job selects, in path order */
  selected: DatasetRecord[];
  due: ReturnType<typeof computeDueSnapshots>;
  /** the job's own diagnostics (appended to) */
  diagnostics: Diagnostic[];
}

function jobDiagnostic(job: JobConfig, severity: Diagnostic['severity'], summary: string, detail: string[] = []): Diagnostic {
  return { severity, summary, detail, job: job.name };
}

/** Datasets in path order, stable ids, the summary. */
function finishJobPlan(job: JobConfig, snapshots: Action[], datasets: DatasetPlan[], diagnostics: Diagnostic[]): JobPlan {
  datasets.sort((a, b) => comparePaths(a.source, b.source));
  let n = 0;
  for (const a of snapshots) a.id = `${job.name}:${++n}`;
  for (const d of datasets) for (const a of d.actions) a.id = `${job.name}:${++n}`;
  const plan = { job: job.name, sourceHost: job.source.host, targetHost: job.target?.host ?? null, snapshots, datasets, diagnostics };
  const concurrency = job.target && job.replication.concurrency > 1 ? { concurrency: job.replication.concurrency } : {};
  return { ...plan, summary: computeJobSummary(plan), ...concurrency };
}

/** Source datasets the filter selects (never the job's own target tree when both sides are one host), with
 *  warnings for what the filter names but does not find. */
function selectSources(job: JobConfig, sourceIndex: ListingIndex, diagnostics: Diagnostic[]): DatasetRecord[] {
  const sourceHost = job.source.host;
  const { selected, ownTarget } = selectDatasets(job, sourceIndex);
  if (ownTarget > 0) {
    diagnostics.push(jobDiagnostic(job, 'warning', `source.filesystems selects ${ownTarget} dataset(s) under root_fs ${job.target?.rootFs ?? null}: skipped`, ['a job never replicates its own target tree']));
  }
  for (const [pattern, accept] of Object.entries(job.source.filesystems)) {
    const path = pattern.endsWith('<') ? pattern.slice(0, -1) : pattern;
    if (!accept || path === '') continue;
    const exists = pattern.endsWith('<') ? sourceIndex.datasets().some((d) => isWithin(d.name, path)) : sourceIndex.dataset(path) !== undefined;
    if (!exists) diagnostics.push(jobDiagnostic(job, 'warning', `${path} (source.filesystems "${pattern}") does not exist on ${sourceHost}`));
  }
  if (selected.length === 0) diagnostics.push(jobDiagnostic(job, 'warning', `no dataset on ${sourceHost} matches source.filesystems`));
  return selected;
}

function sourceFingerprint(s: JobScope, name: string): Fingerprint {
  return { host: s.job.source.host, dataset: name, digest: computeFingerprint(s.inventory.source, name) };
}

/** A dataset plan's fingerprints, or none when the plan is only displayed (JobPlanContext.fingerprints false). */
function fingerprintsOf(s: JobScope, ...make: (() => Fingerprint)[]): Fingerprint[] {
  return s.ctx.fingerprints === false ? [] : make.map((m) => m());
}

function snapshotNotes(s: JobScope, name: string): Diagnostic[] {
  return s.due.diagnostics.filter((d) => d.dataset === name);
}

/** A job without a target: snapshots and source pruning only. */
function snapshotOnlyPlans(s: JobScope): DatasetPlan[] {
  return s.selected.map((d) => {
    const plan: DatasetPlan = { source: d.name, target: null, dependsOn: [], actions: [], diagnostics: snapshotNotes(s, d.name), fingerprints: fingerprintsOf(s, () => sourceFingerprint(s, d.name)) };
    const pruning = computeDatasetPruning({ job: s.job, now: s.ctx.now, plan, source: d, sourceIndex: s.sourceIndex, planned: s.due.due.get(d.name), target: null });
    plan.actions.push(...pruning.actions);
    plan.diagnostics.push(...pruning.diagnostics);
    return plan;
  });
}

/** Each selected dataset's chain and pruning, and placeholders for the missing target parents of the chains
 *  that create their target. */
function replicationPlans(s: JobScope, target: NonNullable<JobConfig['target']>): DatasetPlan[] {
  const { job, inventory, ctx } = s;
  const { rootFs, host: targetHost } = target;
  const targetListing = inventory.target ?? EMPTY;
  if (!inventory.target) s.diagnostics.push(jobDiagnostic(job, 'error', `the target of job ${job.name} was not listed`));
  const targetFingerprint = (name: string): Fingerprint => ({ host: targetHost, dataset: name, digest: computeFingerprint(targetListing, name) });
  // root_fs is a pool that does not exist, or lies in one (a typo in the pool's name): no placeholder can be made there
  const pool = poolOf(rootFs);
  const rootMissingPool = !indexListing(targetListing).dataset(rootFs) && (!rootFs.includes('/') || (targetListing.absentPools ?? []).includes(pool));
  if (rootMissingPool) {
    const summary = rootFs.includes('/')
      ? `root_fs ${rootFs} is in pool ${pool}, which does not exist on ${targetHost}, and zform does not create pools`
      : `root_fs ${rootFs} does not exist on ${targetHost}, and zform does not create pools`;
    s.diagnostics.push({ ...jobDiagnostic(job, 'error', summary, ['create the pool (or point target.root_fs at an existing dataset); nothing is replicated until then']), blocksDatasets: true });
  }
  // Targets whose source is gone or renamed (only with a target listing: an unlisted side proves nothing).
  const gone = inventory.target && !rootMissingPool
    ? computeGoneTargets({ job, rootFs, targetHost, sourceIndex: s.sourceIndex, targetListing, selected: s.selected, now: ctx.now, fingerprint: ctx.fingerprints === false ? null : { source: (n) => sourceFingerprint(s, n), target: targetFingerprint } })
    : null;
  if (gone) s.diagnostics.push(...gone.diagnostics);
  // after the renames this plan makes (the real listing when there are none)
  const targetIndex = indexListing(gone?.targetListing ?? targetListing);
  const replicable = job.replication.snapshots !== undefined ? ((re: ConfigRegex) => (n: string) => re.test(n))(compileRegex(job.replication.snapshots)) : () => true;
  const parents = new TargetParents(rootFs, targetHost, targetIndex, job, ctx.fingerprints === false ? null : targetFingerprint);
  const clones = new CloneSends(rootFs, targetIndex, s.selected, s.sourceIndex, replicable, job.replication.clones);

  for (const d of clones.ordered) {
    const T = `${rootFs}/${d.name}`;
    const rename = gone?.renames.get(d.name);
    const clone = clones.sendFrom(d.name, parents.plans);
    const chain = rootMissingPool
      ? { actions: [], diagnostics: [], createsTarget: false }
      : computeDatasetChain({
        job, sourceHost: job.source.host, targetHost, source: d, sourceIndex: s.sourceIndex, targetName: T, target: targetIndex.dataset(T), targetIndex,
        planned: s.due.due.get(d.name), replicable, resumeTokens: ctx.resumeTokens, allowRollback: ctx.allowRollback || job.replication.allowRollback,
        wire: ctx.wire,
        ...(clone && 'targetOrigin' in clone ? { cloneFrom: clone } : {}),
        ...(clones.originsIn(d.name) ? { cloneOrigins: clones.originsIn(d.name) } : {}),
      });
    const plan: DatasetPlan = {
      source: d.name, target: T, dependsOn: [], actions: [...(rename ? [renameAction(rename, targetHost)] : []), ...chain.actions],
      diagnostics: [...snapshotNotes(s, d.name), ...(gone?.notes.get(d.name) ?? []), ...chain.diagnostics],
      fingerprints: fingerprintsOf(s, () => sourceFingerprint(s, d.name), () => targetFingerprint(T), ...(rename ? [() => targetFingerprint(rename.from)] : [])),
    };
    const sentAsClone = clone && 'targetOrigin' in clone && chain.actions.some((a) => a.kind === 'send' && a.receive.origin !== undefined);
    if (clone && 'note' in clone && chain.createsTarget) plan.diagnostics.push({ severity: 'warning', job: job.name, dataset: d.name, ...clone.note });
    parents.plans.set(d.name, plan);
    // Pruning after the chain (it sees the snapshots the chain sends), never for a job whose target side is
    // unknown (not listed, or a missing pool): what the target has decides what the source may let go.
    if (inventory.target && !rootMissingPool) {
      const pruning = computeDatasetPruning({
        job, now: ctx.now, plan, source: d, sourceIndex: s.sourceIndex, planned: s.due.due.get(d.name),
        target: { host: targetHost, name: T, record: targetIndex.dataset(T), index: targetIndex, keep: clones.keepOnTarget(d.name) },
      });
      plan.actions.push(...pruning.actions);
      plan.diagnostics.push(...pruning.diagnostics);
    }
    if (chain.createsTarget || rename) parents.creates(plan, T);
    // a clone received as a clone: after the chain that delivers its origin, and only while the origin's replica is as listed
    if (sentAsClone) {
      if (clone.after !== null && !plan.dependsOn.includes(clone.after)) plan.dependsOn.push(clone.after);
      plan.fingerprints.push(...fingerprintsOf(s, () => targetFingerprint(clone.originTarget)));
    }
  }
  for (const p of gone?.plans ?? []) parents.plans.set(p.source, p);
  // a dataset that a rename moves waits for it
  for (const r of gone?.renames.values() ?? []) {
    for (const p of parents.plans.values()) {
      if (p.target !== null && p.target !== r.to && isWithin(p.target, r.to) && !p.dependsOn.includes(r.newSource)) p.dependsOn.push(r.newSource);
    }
  }
  return [...parents.plans.values()];
}

function renameAction(r: FollowedRename, targetHost: string): Action {
  return {
    id: '', host: targetHost, side: 'target', kind: 'rename_dataset', dataset: r.from, to: r.to, guid: r.guid,
    reason: `${r.oldSource} was renamed to ${r.newSource} on the source (same snapshot GUIDs; replication.follow_renames)`,
  };
}

/** The dataset plans of one job by source key, and the placeholders that give created targets their parents. */
class TargetParents {
  readonly plans = new Map<string, DatasetPlan>();
  /** target datasets this plan creates (by a full receive or as a placeholder) → the source key of that chain */
  private readonly creators = new Map<string, string>();

  constructor(
    private readonly rootFs: string, private readonly targetHost: string, private readonly targetIndex: ListingIndex,
    private readonly job: JobConfig, private readonly fingerprint: ((name: string) => Fingerprint) | null,
  ) {}

  private placeholderPlan(target: string): DatasetPlan {
    // root_fs has no source counterpart: its placeholder's key is ""
    const key = target === this.rootFs ? '' : target.slice(this.rootFs.length + 1);
    let p = this.plans.get(key);
    if (!p) {
      p = { source: key, target, dependsOn: [], actions: [], diagnostics: [], fingerprints: this.fingerprint ? [this.fingerprint(target)] : [] };
      this.plans.set(key, p);
    }
    return p;
  }

  /** `plan`'s chain creates target `T`: its missing ancestors, root_fs down to the parent, are created by an
   *  earlier chain, or as placeholders (once). */
  creates(plan: DatasetPlan, T: string): void {
    const deps: string[] = [];
    for (const a of ancestorsBetween(this.rootFs, T)) {
      const creator = this.creators.get(a);
      if (creator !== undefined) { deps.push(creator); continue; }
      if (this.targetIndex.dataset(a)) continue;
      const p = this.placeholderPlan(a);
      p.actions.push({ id: '', host: this.targetHost, side: 'target', kind: 'create_placeholder', dataset: a, encryption: this.job.recv.placeholder.encryption });
      p.dependsOn = [...deps];
      this.creators.set(a, p.source);
      deps.push(p.source);
    }
    plan.dependsOn = deps;
    this.creators.set(T, plan.source);
  }
}

/** A snapshot of the replica of the selected source dataset `dataset` (`rootFs/dataset@name`). */
interface ReplicaSnapshot { dataset: string; name: string }

/** A clone's first replication from its origin: received as a clone of `targetOrigin`, after the chain `after` (the
 *  one that delivers the origin in this plan; null when the target has it already). */
interface CloneSend { origin: VersionRecord; targetOrigin: string; originTarget: string; after: string | null }

/**
 * Source clones (`origin` set) whose origin dataset the job replicates too, like syncoid's clone handling: a clone
 * whose target does not exist yet is sent incrementally from its origin and received as a clone of the origin's
 * replica, so that the target shares the origin's blocks as the source does, instead of a full copy. The origin
 * datasets come first (`ordered`); a first replication of one starts at the oldest snapshot a new clone needs
 * (`originsIn`), and its target's pruning keeps those snapshots until the clones are received (`keepOnTarget`).
 * A clone whose origin cannot be on the target in time is sent in full, with a warning.
 */
class CloneSends {
  /** the selection, every clone after the dataset it was cloned from and every dataset after its selected parent */
  readonly ordered: DatasetRecord[];
  /** source clone → its origin snapshot, for clones whose target has no snapshot yet; `elsewhere`: the origin is
   *  not in its dataset's replica but in another selected dataset's (a `zfs promote` on the source moved it) */
  private readonly pending = new Map<string, { dataset: string; origin: VersionRecord; elsewhere: ReplicaSnapshot | null }>();
  private readonly origins = new Map<string, VersionRecord[]>();
  /** source dataset → GUIDs of its replica's snapshots that new clones are received from */
  private readonly kept = new Map<string, Set<string>>();

  constructor(
    private readonly rootFs: string, private readonly targetIndex: ListingIndex, selected: DatasetRecord[], sourceIndex: ListingIndex,
    private readonly replicable: (snapshotName: string) => boolean, enabled: boolean,
  ) {
    const names = new Map(selected.map((d) => [d.name, d]));
    if (!enabled) { this.ordered = selected; return; } // replication.clones: false, every dataset in full
    let byGuid: Map<string, ReplicaSnapshot[]> | null = null;
    for (const d of selected) {
      if (d.origin === null || d.placeholder) continue;
      const at = d.origin.indexOf('@');
      if (at < 0) continue;
      const dataset = d.origin.slice(0, at);
      const x = names.get(dataset);
      if (!x || x.placeholder || dataset === d.name) continue;
      if (targetIndex.snapshots(`${rootFs}/${d.name}`).length > 0) continue; // replicated already
      const origin = sourceIndex.snapshots(dataset).find((v) => v.name === d.origin!.slice(at + 1));
      if (!origin) continue;
      let elsewhere: ReplicaSnapshot | null = null;
      if (!targetIndex.snapshots(`${rootFs}/${dataset}`).some((v) => v.guid === origin.guid)) {
        // After `zfs promote` on the source, the snapshots up to the clone point belong to the promoted clone, and
        // their replicas stay where they were received: the origin is on the target, in another dataset's replica.
        // Found by GUID among the replicas of this job's selection, and used when exactly one has it.
        byGuid ??= replicaSnapshotsByGuid(rootFs, targetIndex, selected);
        const found = byGuid.get(origin.guid);
        if (found?.length === 1) elsewhere = found[0]!;
      }
      this.pending.set(d.name, { dataset, origin, elsewhere });
      const keptIn = elsewhere?.dataset ?? dataset;
      this.kept.set(keptIn, (this.kept.get(keptIn) ?? new Set()).add(origin.guid));
      if (!elsewhere) addTo(this.origins, dataset, origin);
    }
    this.ordered = this.pending.size === 0 ? selected : orderAfterOrigins(selected, names, this.pending);
  }

  /** origin snapshots in `dataset` that new clones are sent from, or undefined */
  originsIn(dataset: string): VersionRecord[] | undefined {
    return this.origins.get(dataset);
  }

  /** GUIDs of the target snapshots of `dataset` that its pruning keeps for the clones this plan sends */
  keepOnTarget(dataset: string): Set<string> | undefined {
    return this.kept.get(dataset);
  }

  /** How a pending clone's first step goes, given the plans made so far (its origin dataset's among them): from
   *  the origin, or in full with the reason. */
  sendFrom(clone: string, plans: Map<string, DatasetPlan>): CloneSend | { note: { summary: string; detail: string[] } } | undefined {
    const p = this.pending.get(clone);
    if (!p) return undefined;
    // the origin's replica is there; its chain goes first only when it renames that replica (follow_renames)
    const renames = (dataset: string) => (plans.get(dataset)?.actions ?? []).some((a) => a.kind === 'rename_dataset');
    const originTarget = `${this.rootFs}/${p.dataset}`;
    const there = this.targetIndex.snapshots(originTarget).find((v) => v.guid === p.origin.guid);
    if (there) return { origin: p.origin, targetOrigin: `${originTarget}@${there.name}`, originTarget, after: renames(p.dataset) ? p.dataset : null };
    // or in another replica of the selection (after a zfs promote on the source), unless that replica's own plan
    // rolls it back away (its pruning keeps it: keepOnTarget)
    const rolledAway = (dataset: string) => (plans.get(dataset)?.actions ?? []).some((a) => a.kind === 'rollback' && a.destroys.some((r) => r.guid === p.origin.guid));
    if (p.elsewhere && !rolledAway(p.elsewhere.dataset)) {
      const replica = `${this.rootFs}/${p.elsewhere.dataset}`;
      return { origin: p.origin, targetOrigin: `${replica}@${p.elsewhere.name}`, originTarget: replica, after: renames(p.elsewhere.dataset) ? p.elsewhere.dataset : null };
    }
    const delivers = (plans.get(p.dataset)?.actions ?? []).some((a) => a.kind === 'send' && a.includes.some((r) => r.guid === p.origin.guid));
    if (delivers) return { origin: p.origin, targetOrigin: `${originTarget}@${p.origin.name}`, originTarget, after: p.dataset };
    const name = `${p.dataset}@${p.origin.name}`;
    return {
      note: {
        summary: `${clone} is a clone of ${name}, which is not on the target: sent in full`,
        detail: [
          `${originTarget} does not have @${p.origin.name} (guid ${p.origin.guid}), and this plan does not send it there${!this.replicable(p.origin.name)
            ? `: it does not match replication.snapshots`
            : this.targetIndex.dataset(originTarget) ? ' (its replication started after that snapshot, or is blocked)' : ''}`,
          `the full copy takes its own space on the target; received as a clone of ${originTarget}@${p.origin.name} it would share that snapshot's blocks`,
        ],
      },
    };
  }
}

/** The snapshots of the selection's replicas (`rootFs/<source name>`) by GUID. */
function replicaSnapshotsByGuid(rootFs: string, targetIndex: ListingIndex, selected: DatasetRecord[]): Map<string, ReplicaSnapshot[]> {
  const byGuid = new Map<string, ReplicaSnapshot[]>();
  for (const d of selected) for (const v of targetIndex.snapshots(`${rootFs}/${d.name}`)) addTo(byGuid, v.guid, { dataset: d.name, name: v.name });
  return byGuid;
}

/** `selected` (in path order) with every clone after its origin dataset and every dataset after its nearest selected
 *  ancestor, otherwise in path order. A cycle of origins (no real pool has one) orders nothing. */
function orderAfterOrigins(selected: DatasetRecord[], names: Map<string, DatasetRecord>, pending: Map<string, { dataset: string; elsewhere: { dataset: string } | null }>): DatasetRecord[] {
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const levelOf = (name: string): number => {
    const known = level.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return 0;
    visiting.add(name);
    let l = 0;
    for (let at = name.lastIndexOf('/'); at > 0; at = name.lastIndexOf('/', at - 1)) {
      if (names.has(name.slice(0, at))) { l = levelOf(name.slice(0, at)); break; }
    }
    const p = pending.get(name);
    if (p) l = Math.max(l, levelOf(p.dataset) + 1, p.elsewhere ? levelOf(p.elsewhere.dataset) + 1 : 0);
    visiting.delete(name);
    level.set(name, l);
    return l;
  };
  return selected.map((d, i) => ({ d, i, l: levelOf(d.name) })).sort((a, b) => a.l - b.l || a.i - b.i).map((x) => x.d);
}
