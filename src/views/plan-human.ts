// The plan for people, Terraform-like: a legend of the symbols used, actions grouped by job and dataset
// under `#` headers (each send with its protection lines), conflicts as Error/Warning blocks with their
// evidence, and a summary line.
import { Chalk, type ChalkInstance } from 'chalk';
import type { Action, Conflict, DatasetPlan, Diagnostic, JobPlan, Plan, PlanSummary, PlannedHook, VersionRef } from '../plan/types.js';
import { formatBytes, formatDuration } from '../config/units.js';
import { CURSOR_PREFIX, TENTATIVE_CURSOR_PREFIX } from '../zfs/names.js';
import { MAX_ARGV_BYTES } from '../zfs/argv.js';
import { blockedDatasets, isDatasetBlocked, jobBlocker, planErrors } from '../plan/queries.js';
import { plural } from '../text.js';
import { writePieces } from './write-pieces.js';

export interface PlanHumanOptions {
  color: boolean;
  /** prefix names on non-local hosts with the host (`nas:backup/tank/a@s1`); default true */
  hostLabels?: boolean;
}

type Symbol = '+' | '-' | '~' | '-/+';
const LEGEND: [Symbol, string][] = [['+', 'create'], ['~', 'send/update'], ['-', 'destroy'], ['-/+', 'replace']];
/** evidence lists longer than this are cut */
const MAX_EVIDENCE = 10;

function symbolOf(a: Action): Symbol {
  switch (a.kind) {
    case 'snapshot': case 'create_placeholder': case 'hold': case 'bookmark': return '+';
    case 'abort_resume': case 'release': case 'destroy_bookmarks': case 'destroy_snapshots': case 'destroy_dataset': return '-';
    case 'rename_dataset': return '~';
    case 'rollback': return '-/+';
    case 'send': return a.receive.force ? '-/+' : '~';
  }
}

/** Pre-step protection (a new step starts here when the group already has a send). */
function startsStep(a: Action): boolean {
  return a.kind === 'send' || (a.kind === 'hold' && a.role === 'step') || (a.kind === 'bookmark' && a.role === 'tentative_cursor');
}

/** Splits a chain into groups: leading lines (abort, rollback), then each send with its protection lines. */
function groupSteps(actions: Action[]): Action[][] {
  const groups: Action[][] = [];
  let cur: Action[] = [];
  for (const a of actions) {
    const hasSend = cur.some((x) => x.kind === 'send');
    if (cur.length > 0 && startsStep(a) && (hasSend || !cur.some(startsStep))) {
      groups.push(cur);
      cur = [];
    }
    cur.push(a);
  }
  if (cur.length > 0) groups.push(cur);
  return groups;
}

/** How a pool's snapshots are taken: in one atomic `zfs snapshot` when their names fit in the argument limit every
 *  host accepts (MAX_ARGV_BYTES), else in as few commands as the host's limit allows, each atomic (ZfsHost.snapshot). */
function snapshotCommandText(snapshots: string[]): string {
  let bytes = 0;
  for (const s of snapshots) bytes += Buffer.byteLength(s) + 1;
  return bytes <= MAX_ARGV_BYTES ? 'one atomic zfs snapshot' : `${snapshots.length} names, more than one zfs snapshot may take on every host: atomic in batches`;
}

class Renderer {
  private readonly c: ChalkInstance;
  private readonly hostLabels: boolean;

  constructor(opts: PlanHumanOptions) {
    this.c = new Chalk({ level: opts.color ? 1 : 0 });
    this.hostLabels = opts.hostLabels ?? true;
  }

  on(host: string, name: string): string { return this.hostLabels && host !== 'local' ? `${host}:${name}` : name; }

  ref(host: string, r: VersionRef): string { return this.on(host, `${r.dataset}${r.kind === 'snapshot' ? '@' : '#'}${r.name}`); }

  /** `tank/a@s1, @s2, tank/b@s1`: the dataset is repeated only when it changes */
  refs(host: string, refs: VersionRef[]): string {
    let last = '';
    return refs.map((r) => {
      const same = r.dataset === last;
      last = r.dataset;
      return same ? `${r.kind === 'snapshot' ? '@' : '#'}${r.name}` : this.ref(host, r);
    }).join(', ');
  }

  symbol(s: Symbol): string {
    const text = s.padStart(3);
    switch (s) {
      case '+': return this.c.green(text);
      case '-': return this.c.red(text);
      case '~': return this.c.yellow(text);
      case '-/+': return this.c.red('-/') + this.c.green('+');
    }
  }

  comment(text: string): string { return this.c.gray(text); }

  /** `  > hook pre_snapshot /usr/local/bin/freeze on local (timeout 30s, err_is_fatal): tank/db, tank/db/log` */
  hook(h: PlannedHook, pad: string): string {
    const opts = [`timeout ${formatDuration(h.timeoutMs)}`, ...(h.errIsFatal ? ['err_is_fatal'] : [])].join(', ');
    const shown = h.datasets.length <= 5 ? h.datasets.join(', ') : `${h.datasets.slice(0, 5).join(', ')} … (${h.datasets.length} datasets)`;
    return `${pad}${this.c.cyan('  >')} hook ${h.phase} ${h.path} on ${h.host} ${this.comment(`(${opts})`)}${shown ? `: ${shown}` : ''}`;
  }

  derivedBookmark(role: 'cursor' | 'tentative_cursor', job: string): string {
    return `${role === 'cursor' ? CURSOR_PREFIX : TENTATIVE_CURSOR_PREFIX}_G_(known after apply)_J_${job}`;
  }

  flags(a: Extract<Action, { kind: 'send' }>): string {
    const f = a.flags;
    return [f.raw && '-w', f.properties && '-p', f.backupProperties && '-b', f.largeBlocks && '-L', f.compressed && '-c', f.embeddedData && '-e'].filter(Boolean).join(' ');
  }

  /** The line(s) of one action, indented by `pad`. */
  action(a: Action, job: string, pad: string): string[] {
    const sym = `${pad}${this.symbol(symbolOf(a))} `;
    const why = (text: string) => `${pad}      ${this.comment(text)}`;
    switch (a.kind) {
      case 'snapshot':
        return [`${sym}snapshot, pool ${a.pool}, ${snapshotCommandText(a.snapshots)}:`, ...a.snapshots.map((s) => `${pad}      ${this.on(a.host, s)}`)];
      case 'create_placeholder':
        return [`${sym}placeholder ${this.on(a.host, a.dataset)} (zform:placeholder=on, mountpoint=none${a.encryption === 'off' ? ', encryption=off' : ''})`];
      case 'abort_resume':
        return [`${sym}abort the resumable receive on ${this.on(a.host, a.dataset)} (zfs receive -A)`, why(a.reason)];
      case 'rollback':
        return [
          `${sym}rollback ${this.ref(a.host, a.to)}${a.destroys.length > 0 ? `, destroying ${this.refs(a.host, a.destroys)}` : ''}`,
          why(a.reason),
        ];
      case 'hold':
        return [`${sym}hold ${a.tag} on ${this.refs(a.host, a.snapshots)}`];
      case 'release':
        return [`${sym}release ${a.tag} on ${this.refs(a.host, a.snapshots)}`, why(a.reason)];
      case 'bookmark': {
        const name = a.bookmark ?? this.derivedBookmark(a.role, job);
        return [`${sym}bookmark ${this.ref(a.host, a.snapshot)} as #${name}${a.role === 'tentative_cursor' ? ' (tentative cursor)' : ''}`];
      }
      case 'destroy_bookmarks': {
        const all: VersionRef[] = [
          ...a.bookmarks,
          ...(a.derived ?? []).map((d) => ({ dataset: d.snapshot.dataset, kind: 'bookmark' as const, name: this.derivedBookmark(d.role, job), guid: null, createtxg: null })),
        ];
        return [`${sym}destroy ${this.refs(a.host, all)}`, why(a.reason)];
      }
      case 'destroy_snapshots':
        // one line per snapshot with the rules that let it go (applied as one batched zfs destroy)
        return a.snapshots.map((s) => `${sym}destroy ${this.ref(a.host, s.ref)}  ${this.comment(`(${s.reason})`)}`);
      case 'rename_dataset':
        return [`${sym}rename ${this.on(a.host, a.dataset)} to ${this.on(a.host, a.to)} (zfs rename)`, why(a.reason)];
      case 'destroy_dataset':
        return [
          `${sym}destroy dataset ${this.on(a.host, a.dataset)}${a.destroys.length > 0 ? `, with ${plural(a.destroys.length, 'snapshot/bookmark', 'snapshots/bookmarks')}:` : ' (it has no snapshots)'}`,
          ...a.destroys.map((r) => `${pad}      ${this.ref(a.host, r)}`),
          why(a.reason),
        ];
      case 'send': {
        const target = this.on(a.targetHost, a.targetDataset);
        const size = a.estimatedBytes === null ? 'size unknown' : `~${formatBytes(a.estimatedBytes)}`;
        const flags = this.flags(a);
        let what: string;
        let shape: string;
        if (a.mode === 'full') {
          what = `full ${this.ref(a.host, a.to)}`;
          shape = 'full';
        } else if (a.mode === 'resume') {
          what = `resume ${a.from ? `${this.ref(a.host, a.from)} → @${a.to.name}` : this.ref(a.host, a.to)}`;
          shape = 'zfs send -t';
        } else {
          what = `incremental ${this.ref(a.host, a.from!)} → @${a.to.name}`;
          const between = a.includes.slice(0, -1);
          shape = a.intermediates
            ? `-I with ${between.length <= 5 ? between.map((r) => '@' + r.name).join(' ') : `@${between[0]!.name} … @${between[between.length - 1]!.name} (${between.length} snapshots)`}`
            : '-i';
        }
        const extra = [shape, flags, a.compression && `${a.compression} on the wire`, size].filter(Boolean).join(', ');
        const reason = a.reason.includes(a.protection) ? a.reason : `${a.reason}; protection ${a.protection}`;
        return [`${sym}send ${what} to ${target} (${extra})`, why(reason)];
      }
    }
  }

  datasetHeader(job: JobPlan, d: DatasetPlan): string {
    const placeholdersOnly = d.actions.every((a) => a.kind === 'create_placeholder');
    if (d.target === null) return this.comment(`  # ${this.on(job.sourceHost, d.source)}`);
    const target = this.on(job.targetHost ?? 'local', d.target);
    if (placeholdersOnly) return this.comment(`  # ${target}: missing parent of replicated datasets`);
    return this.comment(`  # ${this.on(job.sourceHost, d.source)} → ${target}`);
  }

  diagnostic(d: Diagnostic, jobHosts: { source: string; target: string | null }): string[] {
    const head = d.severity === 'error' ? this.c.red.bold('Error:') : this.c.yellow.bold('Warning:');
    const out = [`${head} ${this.c.bold(d.summary)}`, `  on job ${d.job}${d.dataset !== undefined ? `, dataset ${d.dataset}` : ''}`];
    if (d.conflict) out.push(...this.evidence(d.conflict, jobHosts).map((l) => `  ${l}`));
    out.push(...d.detail.map((l) => `  ${l}`));
    return out;
  }

  evidence(c: Conflict, hosts: { source: string; target: string | null }): string[] {
    const v = (host: string, r: VersionRef) => `${this.ref(host, r)} (guid ${r.guid ?? 'known after apply'}, createtxg ${r.createtxg ?? 'known after apply'})`;
    const t = hosts.target ?? 'local';
    const list = (title: string, host: string, refs: VersionRef[]) => {
      if (refs.length === 0) return [`${title}: none`];
      const shown = refs.slice(0, MAX_EVIDENCE).map((r) => `    ${v(host, r)}`);
      if (refs.length > MAX_EVIDENCE) shown.push(`    … and ${refs.length - MAX_EVIDENCE} more`);
      return [`${title}:`, ...shown];
    };
    switch (c.type) {
      case 'diverged':
        return [`common ancestor: ${v(hosts.source, c.commonAncestor)}`, ...list('only on the source', hosts.source, c.sourceOnly), ...list('only on the target', t, c.targetOnly)];
      case 'no_common_snapshot':
        return [`newest on the source: ${c.sourceNewest ? v(hosts.source, c.sourceNewest) : 'none'}`, `newest on the target: ${c.targetNewest ? v(t, c.targetNewest) : 'none'}`];
      case 'target_modified':
        return [`newest target snapshot: ${v(t, c.newest)}`, `written since: ${formatBytes(c.writtenBytes)}`];
      case 'recreated':
        return [`oldest on the source: ${v(hosts.source, c.sourceOldest)}`, `newest on the source: ${v(hosts.source, c.sourceNewest)}`, `newest on the target: ${v(t, c.targetNewest)}`];
      case 'source_missing':
        return [`newest on the target: ${c.targetNewest ? v(t, c.targetNewest) : 'none'}`, ...(c.renamedTo !== null ? [`renamed on the source to: ${c.renamedTo}`] : [])];
      case 'source_has_no_snapshots':
      case 'resume_token_unusable':
        return [];
    }
  }
}

/** Plan: 2 snapshots, 5 sends (12.4 GiB), 3 holds, 1 destroy. (non-zero counts only) */
export function renderSummaryCounts(s: PlanSummary, unknownSizes: number): string {
  const parts: string[] = [];
  const n = (k: number, one: string, many = one + 's') => { if (k > 0) parts.push(plural(k, one, many)); };
  n(s.snapshots, 'snapshot');
  if (s.sends > 0) {
    const known = s.sends - unknownSizes;
    const size = known === 0 ? 'size unknown' : `${formatBytes(s.sendBytes)}${unknownSizes > 0 ? ` + ${unknownSizes} of unknown size` : ''}`;
    parts.push(`${plural(s.sends, 'send')} (${size})`);
  }
  n(s.placeholders, 'placeholder');
  n(s.holds, 'hold');
  n(s.releases, 'release');
  n(s.bookmarks, 'bookmark');
  n(s.rollbacks, 'rollback');
  n(s.renames, 'rename');
  n(s.aborts, 'aborted receive');
  n(s.destroys, 'destroy', 'destroys');
  return parts.join(', ');
}

function unknownSizeSends(actions: Action[]): number {
  return actions.filter((a) => a.kind === 'send' && a.estimatedBytes === null).length;
}

function jobSummary(job: JobPlan): PlanSummary | null { return job.summary ?? null; }

/** Counts the view needs before its body: which symbols the legend shows, whether there are actions at all. */
function scanActions(plan: Plan): { used: Set<Symbol>; totalActions: number } {
  const used = new Set<Symbol>();
  let totalActions = 0;
  for (const job of plan.jobs) {
    for (const a of job.snapshots) { used.add(symbolOf(a)); totalActions++; }
    for (const d of job.datasets) for (const a of d.actions) { used.add(symbolOf(a)); totalActions++; }
  }
  return { used, totalActions };
}

/** Lines as one piece of text, each ending with a newline (a plan at scale has millions of lines). */
function piece(lines: string[]): string {
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

/**
 * The human plan in pieces, in order: the legend, each job header, each dataset (with its lines), the
 * diagnostics and the summary. Joined they are exactly renderPlanHuman's text; writePlanHuman writes them as
 * they come, so that a plan with millions of lines (a first prune at scale) is never one string.
 */
export function* renderPlanHumanPieces(plan: Plan, opts: PlanHumanOptions): Generator<string> {
  const r = new Renderer(opts);
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const { used, totalActions } = scanActions(plan);
  let unknown = 0;
  if (totalActions > 0) {
    const head = ['Actions are indicated with the following symbols:'];
    for (const [sym, text] of LEGEND) if (used.has(sym)) head.push(`${r.symbol(sym)} ${text}`);
    head.push('', 'zform will perform the following actions:', '');
    yield piece(head);
    for (const job of plan.jobs) {
      const datasets = job.datasets.filter((d) => d.actions.length > 0);
      const count = job.snapshots.length + datasets.length;
      if (count === 0) continue;
      const blocker = jobBlocker(job);
      const upToDate = job.datasets.filter((d) => d.actions.length === 0 && !isDatasetBlocked(d, blocker)).length;
      const route = job.targetHost ? `${job.sourceHost} → ${job.targetHost}` : `${job.sourceHost}, no target`;
      const s = jobSummary(job);
      const jobUnknown = unknownSizeSends(job.datasets.flatMap((d) => d.actions));
      const counts = s ? renderSummaryCounts(s, jobUnknown) : '';
      const lines = [c.bold(`# job ${job.job} (${route})${counts ? `: ${counts}` : ''}${upToDate > 0 ? `; ${plural(upToDate, 'dataset')} up to date` : ''}`), ''];
      if (job.concurrency && s && s.sends > 0) {
        lines.splice(1, 0, r.comment(`  # up to ${job.concurrency} transfers at once: each dataset advances on its own, a child's first receive after its parent's`));
      }
      if (job.snapshots.length > 0) {
        lines.push(r.comment('  # snapshots due'));
        for (const a of job.snapshots) lines.push(...snapshotLines(r, job, a));
        lines.push('');
      }
      yield piece(lines);
      for (const d of datasets) {
        const out = [r.datasetHeader(job, d)];
        const groups = groupSteps(d.actions);
        groups.forEach((g, i) => {
          // line by line: a first prune's destroy line has one line per snapshot, too many for push(...lines)
          for (const a of g) for (const l of r.action(a, job.job, '  ')) out.push(l);
          if (i < groups.length - 1) out.push('');
        });
        out.push('');
        yield piece(out);
      }
      const after = (job.hooks ?? []).filter((h) => h.phase === 'post_replication');
      if (after.length > 0) yield piece([r.comment('  # after replication'), ...after.map((h) => r.hook(h, '  ')), '']);
      unknown += jobUnknown;
    }
  }

  for (const job of plan.jobs) {
    const skipped = job.skipped ?? [];
    if (skipped.length === 0) continue;
    const lines = [c.bold(`# job ${job.job}: ${plural(skipped.length, 'dataset')} not snapshotted`)];
    for (const k of skipped) lines.push(`  ${r.on(job.sourceHost, k.dataset)}  ${r.comment(`(${k.reason})`)}`);
    yield piece([...lines, '']);
  }

  for (const job of plan.jobs) {
    const hosts = { source: job.sourceHost, target: job.targetHost };
    const all = [...job.diagnostics, ...job.datasets.flatMap((d) => d.diagnostics)];
    const diags: string[] = [];
    for (const sev of ['error', 'warning'] as const) {
      for (const d of all.filter((x) => x.severity === sev)) diags.push(...r.diagnostic(d, hosts), '');
    }
    yield piece(diags);
  }

  const tail: string[] = [];
  const blocked = blockedDatasets(plan);
  if (totalActions > 0) {
    tail.push(c.bold(`Plan: ${renderSummaryCounts(plan.summary, unknown)}.`));
  } else if (blocked === 0 && planErrors(plan).errors === 0) {
    tail.push(c.green.bold('No changes. ZFS matches the configuration.'));
  } else {
    tail.push(c.bold('No changes planned.'));
  }
  if (blocked > 0) tail.push(c.red(`${plural(blocked, 'dataset')} cannot proceed (see the errors above).`));
  yield piece(tail);
}

/** A pool's snapshot line with the hooks that bracket it (pre before, post after). */
function snapshotLines(r: Renderer, job: JobPlan, a: Action): string[] {
  const hooks = (job.hooks ?? []).filter((h) => a.kind === 'snapshot' && h.pool === a.pool);
  return [
    ...hooks.filter((h) => h.phase === 'pre_snapshot').map((h) => r.hook(h, '  ')),
    ...r.action(a, job.job, '  '),
    ...hooks.filter((h) => h.phase === 'post_snapshot').map((h) => r.hook(h, '  ')),
  ];
}

export function renderPlanHuman(plan: Plan, opts: PlanHumanOptions): string {
  let text = '';
  for (const p of renderPlanHumanPieces(plan, opts)) text += p;
  return text;
}

/** Writes the human plan piece by piece (in writes of about 64 KiB), never as one string. */
export function writePlanHuman(plan: Plan, opts: PlanHumanOptions, out: { write(text: string): unknown }): void {
  writePieces(renderPlanHumanPieces(plan, opts), out);
}
