// The keep rules (zrepl semantics): each rule keeps some snapshots; a snapshot is destroyed only if no rule
// keeps it, and then every rule says why it let the snapshot go. No rules: everything is kept.
import type { GridInterval, PruneRule } from '../config/types.js';
import { compileRegex } from '../config/regex.js';

/** A snapshot as the rules see it; `planned` ones are taken by this plan (creation = the plan's time). */
export interface PruneCandidate {
  name: string;
  /** unix seconds */
  creation: number;
  /** createtxg order index (candidates are given oldest first; planned ones last) */
  order: number;
  planned: boolean;
}

export interface RuleContext {
  /** index (in the candidates, oldest first) of the newest snapshot the target has or will have after this
   *  plan: not_replicated keeps what is newer; null: nothing replicated (or unknown), so it keeps all */
  replicatedUpTo: number | null;
}

export interface RuleVerdict {
  /** candidates no rule keeps → one reason per rule (joined "; ") */
  destroy: Map<PruneCandidate, string>;
}

/** Youngest first by creation, then by createtxg order, then by name (ties are rare but must be stable). */
function youngestFirst(a: PruneCandidate, b: PruneCandidate): number {
  return b.creation - a.creation || b.order - a.order || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0);
}

/** `matching` (positions in candidates, in ascending order) put youngest first: mostly only reversed, since
 *  candidates come oldest first and creation grows with createtxg; sorted only where it does not (no sort's copy
 *  per rule and dataset side). youngestFirst is a total order (`order` differs), so the result is the sort's. */
function youngestFirstPositions(candidates: PruneCandidate[], matching: number[]): void {
  matching.reverse();
  for (let j = 1; j < matching.length; j++) {
    if (youngestFirst(candidates[matching[j - 1]!]!, candidates[matching[j]!]!) > 0) {
      matching.sort((a, b) => youngestFirst(candidates[a]!, candidates[b]!));
      return;
    }
  }
}

function matcher(regex: string | undefined): (name: string) => boolean {
  if (regex === undefined) return () => true;
  const re = compileRegex(regex);
  return (name) => re.test(name);
}

/** One rule's verdict, by the candidates' positions: why it does not keep that candidate, undefined where it keeps it
 *  (an array per rule and dataset, not a map keyed by candidate: a million of those entries at scale). */
type RuleFn = (candidates: PruneCandidate[], ctx: RuleContext) => (string | undefined)[];

function keepsAll(n: number): (string | undefined)[] {
  return new Array<string | undefined>(n).fill(undefined);
}

/** 745h → "31d1h", 90m → "1h30m" */
function formatSpan(ms: number): string {
  const units: [number, string][] = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'm'], [1000, 's']];
  let rest = ms;
  let out = '';
  for (const [size, suffix] of units) {
    if (rest >= size) { out += `${Math.floor(rest / size)}${suffix}`; rest %= size; }
  }
  return out === '' || rest > 0 ? `${out}${rest}ms` : out;
}

function gridRule(grid: GridInterval[], gridText: string, regex: string): RuleFn {
  const texts = gridText.split('|').map((t) => t.trim().replace(/\s+/g, ''));
  const matches = matcher(regex);
  // the buckets and their reasons once per rule, not per dataset: (now-end, now-start] back to back
  const shape: { start: number; end: number; keep: number | 'all'; full: string }[] = [];
  let offset = 0;
  grid.forEach((g, gi) => {
    for (let j = 1; j <= g.count; j++) {
      shape.push({ start: offset, end: offset + g.lengthMs, keep: g.keep, full: `grid: bucket ${j} of ${texts[gi] ?? `${g.count}x${formatSpan(g.lengthMs)}`} full` });
      offset += g.lengthMs;
    }
  });
  const unmatched = `grid: does not match ${regex}`;
  const older = `grid: older than the grid (${formatSpan(offset)})`;
  return (candidates) => {
    const out = keepsAll(candidates.length);
    const matching: number[] = []; // positions in candidates
    for (let k = 0; k < candidates.length; k++) {
      if (matches(candidates[k]!.name)) matching.push(k);
      else out[k] = unmatched;
    }
    if (matching.length === 0) return out;
    youngestFirstPositions(candidates, matching);
    // "now" is the youngest matching snapshot, not the clock
    const nowMs = candidates[matching[0]!]!.creation * 1000;
    // youngest first, so each bucket's members are one run of `matching`: [from, i) for bucket b
    let b = 0;
    let from = 0;
    const close = (to: number) => {
      const keep = shape[b]!.keep;
      // each bucket keeps its K oldest (the run's last K)
      if (keep !== 'all') for (let j = to - 1 - keep; j >= from; j--) out[matching[j]!] = shape[b]!.full;
    };
    let i = 0;
    for (; b < shape.length && i < matching.length; i++) {
      const age = nowMs - candidates[matching[i]!]!.creation * 1000;
      if (age < shape[b]!.end) continue;
      close(i);
      while (b < shape.length && age >= shape[b]!.end) b++;
      from = i;
      if (b >= shape.length) break;
    }
    if (b < shape.length) close(i);
    for (; i < matching.length; i++) out[matching[i]!] = older;
    return out;
  };
}

function lastNRule(count: number, regex: string | undefined): RuleFn {
  const matches = matcher(regex);
  return (candidates) => {
    const out = keepsAll(candidates.length);
    const matching: number[] = []; // positions in candidates
    for (let k = 0; k < candidates.length; k++) {
      if (matches(candidates[k]!.name)) matching.push(k);
      else out[k] = `last_n: does not match ${regex}`;
    }
    youngestFirstPositions(candidates, matching);
    for (const k of matching.slice(count)) out[k] = `last_n: not among the newest ${count}${regex !== undefined ? ' matching' : ''}`;
    return out;
  };
}

function regexRule(regex: string, negate: boolean): RuleFn {
  const matches = matcher(regex);
  return (candidates) => {
    const out = keepsAll(candidates.length);
    candidates.forEach((c, k) => {
      const m = matches(c.name);
      if (negate && m) out[k] = `regex: matches ${regex} (negate)`;
      if (!negate && !m) out[k] = `regex: does not match ${regex}`;
    });
    return out;
  };
}

function notReplicatedRule(keepAtCursor: boolean): RuleFn {
  return (candidates, ctx) => {
    const out = keepsAll(candidates.length);
    if (ctx.replicatedUpTo === null) return out;
    for (let i = 0; i < candidates.length; i++) {
      if (i < ctx.replicatedUpTo) out[i] = 'not_replicated: replicated';
      else if (i === ctx.replicatedUpTo && !keepAtCursor) out[i] = 'not_replicated: replicated, at the cursor (keep_snapshot_at_cursor: false)';
    }
    return out;
  };
}

/** Rules compiled once per configured rule (a config is a value, never changed once loaded), not per dataset. */
const compiled = new WeakMap<PruneRule, RuleFn>();

function compileRule(rule: PruneRule): RuleFn {
  let fn = compiled.get(rule);
  if (!fn) compiled.set(rule, (fn = buildRule(rule)));
  return fn;
}

function buildRule(rule: PruneRule): RuleFn {
  switch (rule.type) {
    case 'grid': return gridRule(rule.grid, rule.gridText, rule.regex);
    case 'last_n': return lastNRule(rule.count, rule.regex);
    case 'regex': return regexRule(rule.regex, rule.negate);
    case 'not_replicated': return notReplicatedRule(rule.keepSnapshotAtCursor);
  }
}

/**
 * The snapshots no rule keeps, each with the reasons of every rule. `candidates` oldest first. Protection
 * (holds, incremental bases) is not the rules' business: see computePruneSide.
 */
export function evaluateKeepRules(rules: PruneRule[], candidates: PruneCandidate[], ctx: RuleContext): Map<PruneCandidate, string> {
  const result = new Map<PruneCandidate, string>();
  if (rules.length === 0 || candidates.length === 0) return result;
  const verdicts = rules.map((r) => compileRule(r)(candidates, ctx));
  // The same few reasons repeat for every snapshot of every dataset: one string each (a first prune at scale
  // destroys millions of snapshots).
  let shared = sharedReasons.get(rules);
  if (!shared) sharedReasons.set(rules, (shared = new Map()));
  for (let k = 0; k < candidates.length; k++) {
    let all = true;
    for (const v of verdicts) if (v[k] === undefined) { all = false; break; } // kept by a rule: no reasons to gather
    if (!all) continue;
    const text = verdicts.map((v) => v[k]!).join('; ');
    let one = shared.get(text);
    if (one === undefined) shared.set(text, (one = text));
    result.set(candidates[k]!, one);
  }
  return result;
}

const sharedReasons = new WeakMap<PruneRule[], Map<string, string>>();
