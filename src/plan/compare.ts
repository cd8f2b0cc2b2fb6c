// computePlanDifference: the first place where a saved plan differs from the plan computed again (pure).
import type { Action, DatasetPlan, JobPlan, Plan } from './types.js';

/** Where two JSON values first differ: a key path ("receive.force", "snapshots[0].name") and both values. */
export interface ValueDifference { path: string; saved: unknown; fresh: unknown }

/** Display-only estimates of data that changes on a live system (`written` of a source that is in use): they never
 *  drive apply, so a saved plan is not refused for them; what apply shows is the fresh plan's. */
const DISPLAY_ONLY = new Set(['estimatedBytes', 'sendBytes', 'writtenBytes']);

/** Deep comparison of JSON values (key order ignored; undefined members and display-only estimates count as absent). */
export function computeValueDifference(saved: unknown, fresh: unknown, path = ''): ValueDifference | null {
  if (saved === fresh) return null;
  const here = { path: path || '(value)', saved, fresh };
  if (typeof saved !== 'object' || typeof fresh !== 'object' || saved === null || fresh === null) return here;
  if (Array.isArray(saved) !== Array.isArray(fresh)) return here;
  if (Array.isArray(saved) && Array.isArray(fresh)) {
    for (let i = 0; i < Math.max(saved.length, fresh.length); i++) {
      if (i >= saved.length || i >= fresh.length) return { path: `${path}[${i}]`, saved: saved[i], fresh: fresh[i] };
      const d = computeValueDifference(saved[i], fresh[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  const a = saved as Record<string, unknown>;
  const b = fresh as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !DISPLAY_ONLY.has(k) && (a[k] !== undefined || b[k] !== undefined));
  for (const k of keys) {
    const d = computeValueDifference(a[k], b[k], path ? `${path}.${k}` : k);
    if (d) return d;
  }
  return null;
}

/**
 * `value` as JSON.parse(JSON.stringify(value)) gives it back, without the text: a plan at scale is longer than a
 * string can be. toJSON is called; undefined, functions and symbols leave an object and are null in an array, as are
 * numbers that are not finite. Pure.
 */
export function asJsonValue(value: unknown): unknown {
  let v = value;
  if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON(): unknown }).toJSON();
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') throw new TypeError('Do not know how to serialize a BigInt');
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map((x) => (omitted(x) ? null : asJsonValue(x)));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!omitted(x)) Object.defineProperty(out, k, { value: asJsonValue(x), writable: true, enumerable: true, configurable: true });
  }
  return out;
}

function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** A value as the saved file shows it (short). */
function show(v: unknown): string {
  if (v === undefined) return 'absent';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function describe(d: ValueDifference): string {
  return `${d.path}: ${show(d.saved)} in the file, ${show(d.fresh)} now`;
}

function actionName(a: Action | undefined): string {
  return a ? `action ${String(a.id)} (${String(a.kind)})` : 'an action';
}

/** The first differing action of two lists, named. */
function actionsDifference(where: string, saved: Action[], fresh: Action[]): string | null {
  for (let i = 0; i < Math.max(saved.length, fresh.length); i++) {
    const s = saved[i];
    const f = fresh[i];
    if (!s) return `${where}: ${actionName(f)} is missing from the file`;
    if (!f) return `${where}: ${actionName(s)} is not planned now`;
    const d = computeValueDifference(s, f);
    if (d) return `${where}, ${actionName(s)}: ${describe(d)}`;
  }
  return null;
}

/** A dataset whose listing changed: a stale plan (the usual case), told apart from an edited action. */
export interface PlanDifference {
  kind: 'changed' | 'differs';
  /** one line: job, dataset, action and the first differing field */
  message: string;
}

function datasetDifference(job: string, s: DatasetPlan, f: DatasetPlan): PlanDifference | null {
  const where = `job ${job}, dataset ${s.source}`;
  // What ZFS looked like first: a dataset that changed since the plan was made explains its other differences.
  const fp = computeValueDifference(s.fingerprints, f.fingerprints);
  if (fp) {
    // the same datasets on the same hosts with another digest: ZFS changed; anything else: the file was edited
    const sameShape = s.fingerprints.length === f.fingerprints.length
      && s.fingerprints.every((x, i) => x.host === f.fingerprints[i]!.host && x.dataset === f.fingerprints[i]!.dataset);
    const changed = f.fingerprints.find((x, i) => x.digest !== s.fingerprints[i]?.digest);
    return sameShape && changed
      ? { kind: 'changed', message: `${where}: ${changed.host}:${changed.dataset} changed since the plan was made (snapshots, GUIDs or resume state)` }
      : { kind: 'differs', message: `${where}: ${describe({ ...fp, path: `fingerprints${fp.path}` })}` };
  }
  const a = actionsDifference(where, s.actions, f.actions);
  if (a) return { kind: 'differs', message: a };
  const rest = computeValueDifference({ ...s, actions: [], fingerprints: [] }, { ...f, actions: [], fingerprints: [] });
  return rest ? { kind: 'differs', message: `${where}: ${describe(rest)}` } : null;
}

function jobDifference(s: JobPlan, f: JobPlan): PlanDifference | null {
  const snaps = actionsDifference(`job ${s.job}, snapshots`, s.snapshots, f.snapshots);
  if (snaps) return { kind: 'differs', message: snaps };
  for (let i = 0; i < Math.max(s.datasets.length, f.datasets.length); i++) {
    const sd = s.datasets[i];
    const fd = f.datasets[i];
    if (!sd) return { kind: 'differs', message: `job ${s.job}: dataset ${fd!.source} is planned now but missing from the file` };
    if (!fd) return { kind: 'differs', message: `job ${s.job}, dataset ${String(sd.source)}: in the file but not planned now` };
    if (sd.source !== fd.source) return { kind: 'differs', message: `job ${s.job}: dataset ${String(sd.source)} in the file where ${fd.source} is planned now` };
    const d = datasetDifference(s.job, sd, fd);
    if (d) return d;
  }
  const rest = computeValueDifference({ ...s, snapshots: [], datasets: [] }, { ...f, snapshots: [], datasets: [] });
  return rest ? { kind: 'differs', message: `job ${s.job}: ${describe(rest)}` } : null;
}

/**
 * The first difference between a saved plan and the plan computed again from the same config, listing, time and
 * options, or null when they are identical (zformVersion and configFile aside: they do not drive apply).
 * `fresh` must be a JSON value (as read back from a file): compare asJsonValue(plan).
 */
export function computePlanDifference(saved: Plan, fresh: Plan): PlanDifference | null {
  for (let i = 0; i < Math.max(saved.jobs.length, fresh.jobs.length); i++) {
    const s = saved.jobs[i];
    const f = fresh.jobs[i];
    if (!s) return { kind: 'differs', message: `job ${f!.job} is planned now but missing from the file` };
    if (!f) return { kind: 'differs', message: `job ${String(s.job)} is in the file but not planned now` };
    if (s.job !== f.job) return { kind: 'differs', message: `job ${String(s.job)} in the file where job ${f.job} is planned now` };
    const d = jobDifference(s, f);
    if (d) return d;
  }
  const strip = (p: Plan) => ({ ...p, jobs: [], zformVersion: '', configFile: '' });
  const rest = computeValueDifference(strip(saved), strip(fresh));
  return rest ? { kind: 'differs', message: describe(rest) } : null;
}
