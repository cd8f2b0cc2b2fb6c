// Runs the plan's hook lines (src/plan/hooks.ts) on their hosts with their ZFORM_* environment, and reports each
// run as an apply event (its output goes to zform's logs through src/obs).
import type { JobPlan, PlannedHook } from '../plan/types.js';
import type { HostPool } from '../hosts.js';
import type { HookResult } from '../zfs/hook.js';
import type { ApplyHooks, DatasetOutcome } from './events.js';
import { errorLine } from './waves.js';
import { formatDuration } from '../config/units.js';

/** How one hook run ended, as one line ("exit 3", "timed out after 30s and was killed"). */
export function describeHookEnd(h: PlannedHook, r: HookResult): string {
  if (r.timedOut) return `timed out after ${formatDuration(h.timeoutMs)} and was killed`;
  if (r.code === 0) return 'ok';
  const last = (r.stderr.trim().split('\n').pop() ?? '').trim();
  const how = r.code !== null ? `exit ${r.code}` : r.signal ? `killed by ${r.signal}` : 'failed';
  return last ? `${how}: ${last}` : how;
}

/**
 * The most of one list variable (ZFORM_DATASETS, _OK, _FAILED, ZFORM_PROBLEMS) a hook gets, in UTF-8 bytes. A hook's
 * variables are words of its command line, and over SSH the whole command is one argument of the remote shell, which
 * Linux caps at 128 KiB (MAX_ARG_STRLEN): four lists of 24 KiB and the rest fit, so a job of thousands of datasets
 * still runs its hooks (uncut, exec failed with E2BIG). A longer list is cut after its last whole line that fits;
 * ZFORM_TRUNCATED names the variables cut and ZFORM_DATASETS_COUNT is the whole count.
 */
export const HOOK_LIST_MAX_BYTES = 24 * 1024;
const LIST_VARS = ['ZFORM_DATASETS', 'ZFORM_DATASETS_OK', 'ZFORM_DATASETS_FAILED', 'ZFORM_PROBLEMS'];

/** `text` cut after its last whole line within `max` UTF-8 bytes (whole if it fits). */
export function capLines(text: string, max: number): string {
  const bytes = Buffer.from(text);
  if (bytes.length <= max) return text;
  // a newline byte never occurs inside a multi-byte UTF-8 character: cutting at one keeps every character whole
  const end = bytes.lastIndexOf(0x0a, max);
  return end <= 0 ? '' : bytes.toString('utf8', 0, end);
}

/** The variables every hook gets, and those of its phase, the lists within HOOK_LIST_MAX_BYTES. */
export function computeHookEnv(job: JobPlan, h: PlannedHook, extra: Record<string, string>): Record<string, string> {
  const env = { ...computeFullHookEnv(job, h), ...extra };
  const cut: string[] = [];
  for (const name of LIST_VARS) {
    const value = env[name];
    if (value === undefined) continue;
    const kept = capLines(value, HOOK_LIST_MAX_BYTES);
    if (kept !== value) { env[name] = kept; cut.push(name); }
  }
  env.ZFORM_TRUNCATED = cut.join(' ');
  return env;
}

function computeFullHookEnv(job: JobPlan, h: PlannedHook): Record<string, string> {
  const env: Record<string, string> = {
    ZFORM_JOB: job.job,
    ZFORM_HOOK_PHASE: h.phase,
    // apply is the only command that runs hooks; `plan` never does
    ZFORM_DRY_RUN: 'false',
    ZFORM_SOURCE_HOST: job.sourceHost,
    ZFORM_TARGET_HOST: job.targetHost ?? '',
    // newline-separated (a dataset name may contain a space, never a newline); ZFORM_DATASET: the first (zrepl's ZREPL_FS)
    ZFORM_DATASETS: h.datasets.join('\n'),
    ZFORM_DATASET: h.datasets[0] ?? '',
    ZFORM_DATASETS_COUNT: String(h.datasets.length),
  };
  if (h.pool !== undefined) env.ZFORM_POOL = h.pool;
  if (h.snapshot !== undefined) env.ZFORM_SNAPSHOT = h.snapshot;
  return env;
}

/** Runs one hook; resolves with whether it succeeded and a line naming it and how it ended. */
export async function runPlannedHook(
  hosts: HostPool, job: JobPlan, h: PlannedHook, extra: Record<string, string>, hooks: ApplyHooks, clock: () => Date,
): Promise<{ ok: boolean; line: string }> {
  const name = `${h.phase} hook ${h.path} on ${h.host}`;
  let r: HookResult;
  try {
    r = await hosts.get(h.host).runHook({ path: h.path, env: computeHookEnv(job, h, extra), timeoutMs: h.timeoutMs });
  } catch (err) {
    r = { code: null, signal: null, timedOut: false, stdout: '', stderr: `${errorLine(err)}\n`, durationMs: 0 };
  }
  const end = describeHookEnd(h, r);
  const ok = r.code === 0 && !r.timedOut;
  hooks({ type: 'hook_done', at: clock(), job: job.job, dataset: null, hook: h, ok, end, stdout: r.stdout, stderr: r.stderr, elapsedMs: r.durationMs });
  return { ok, line: `${name} ${ok ? 'succeeded' : `failed (${end})`}` };
}

/** The post_replication variables: how the job's replication went. */
export function computeOutcomeEnv(outcomes: DatasetOutcome[], problems: string[], bytes: number, selected: string[]): Record<string, string> {
  // a placeholder parent's chain (not a selected dataset) counts only when it fails
  const chosen = new Set(selected);
  const bad = outcomes.filter((o) => o.status === 'failed' || o.status === 'conflict' || o.status === 'skipped' || o.status === 'interrupted');
  const good = outcomes.filter((o) => chosen.has(o.source) && (o.status === 'ok' || o.status === 'unchanged'));
  return {
    ZFORM_OUTCOME: bad.length === 0 && problems.length === 0 ? 'ok' : 'failed',
    ZFORM_BYTES: String(bytes),
    ZFORM_DATASETS_OK: good.map((o) => o.source).filter((s) => s !== '').join('\n'),
    ZFORM_DATASETS_FAILED: bad.map((o) => o.source || o.target || '').join('\n'),
    ZFORM_PROBLEMS: [...problems, ...bad.map((o) => `${o.source || o.target}: ${o.status}${o.reason ? `: ${o.reason}` : ''}`)].join('\n'),
  };
}
