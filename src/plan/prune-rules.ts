// The keep rules (zrepl semantics): each rule keeps some snapshots; a snapshot is destroyed only if no rule
// keeps it, and then every rule says why it let the snapshot go. No rules: everything is kept.
import type { GridInterval, PruneRule } from '../config/types.js';
import { compileRegex } from '../config/regex.js';

/** A snapshot as the rules see it. Candidates are given oldest first (createtxg order; those this plan takes or
 *  receives last, a planned one with the plan's time as its creation): a candidate's position is its order. */
export interface PruneCandidate {
  readonly name: string;
  /** unix seconds */
  readonly creation: number;
}

export interface RuleContext {
  /** index (in the candidates, oldest first) of the newest snapshot the target has or will have after this
   *  plan: not_replicated keeps what is newer; null: nothing replicated (or unknown), so it keeps all */
  replicatedUpTo: number | null;
}

/** Candidates at positions a and b youngest first: by creation, then by createtxg order (the later position first). */
function youngestFirst(candidates: readonly PruneCandidate[], a: number, b: number): number {
  return candidates[b]!.creation - candidates[a]!.creation || b - a;
}

/**
 * Positions in the candidates, a rule's scratch list reused from one dataset side to the next (see
 * evaluateKeepRules). Not an array emptied by `length = 0`: that gives its storage back, and it grew again for every
 * rule of every dataset side (about a tenth of what planning allocated at 10,000 x 100, bench/01).
 */
class Positions {
  private buf = new Int32Array(256);
  length = 0;

  push(k: number): void {
    if (this.length === this.buf.length) {
      const grown = new Int32Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf[this.length++] = k;
  }

  at(j: number): number {
    return this.buf[j]!;
  }

  /** the positions, as a view (changes to it change them) */
  view(): Int32Array {
    return this.buf.subarray(0, this.length);
  }
}

/** `matching` (positions in candidates, in ascending order) put youngest first: mostly only reversed, since
 *  candidates come oldest first and creation grows with createtxg; sorted only where it does not (no sort's copy
 *  per rule and dataset side). youngestFirst is a total order (positions differ), so the result is the sort's. */
function youngestFirstPositions(candidates: readonly PruneCandidate[], matching: Positions): void {
  const v = matching.view();
  v.reverse();
  for (let j = 1; j < v.length; j++) {
    if (youngestFirst(candidates, v[j - 1]!, v[j]!) > 0) {
      v.sort((a, b) => youngestFirst(candidates, a, b));
      return;
    }
  }
}

function matcher(regex: string | undefined): (name: string) => boolean {
  if (regex === undefined) return () => true;
  const re = compileRegex(regex);
  return (name) => re.test(name);
}

/** One rule's verdict, written to `out` by the candidates' positions: why it does not keep that candidate, undefined
 *  (as given) where it keeps it. `out` comes with undefined at every candidate's position (it may be longer) and
 *  `matching` empty, both the caller's scratch (see evaluateKeepRules). */
type RuleFn = (candidates: readonly PruneCandidate[], ctx: RuleContext, out: (string | undefined)[], matching: Positions) => void;

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
  return (candidates, _ctx, out, matching) => {
    // matching: positions in candidates
    for (let k = 0; k < candidates.length; k++) {
      if (matches(candidates[k]!.name)) matching.push(k);
      else out[k] = unmatched;
    }
    if (matching.length === 0) return;
    youngestFirstPositions(candidates, matching);
    // "now" is the youngest matching snapshot, not the clock
    const nowMs = candidates[matching.at(0)]!.creation * 1000;
    // youngest first, so each bucket's members are one run of `matching`: [from, i) for bucket b
    let b = 0;
    let from = 0;
    const close = (to: number) => {
      const keep = shape[b]!.keep;
      // each bucket keeps its K oldest (the run's last K)
      if (keep !== 'all') for (let j = to - 1 - keep; j >= from; j--) out[matching.at(j)] = shape[b]!.full;
    };
    let i = 0;
    for (; b < shape.length && i < matching.length; i++) {
      const age = nowMs - candidates[matching.at(i)]!.creation * 1000;
      if (age < shape[b]!.end) continue;
      close(i);
      while (b < shape.length && age >= shape[b]!.end) b++;
      from = i;
      if (b >= shape.length) break;
    }
    if (b < shape.length) close(i);
    for (; i < matching.length; i++) out[matching.at(i)] = older;
  };
}

function lastNRule(count: number, regex: string | undefined): RuleFn {
  const matches = matcher(regex);
  const unmatched = `last_n: does not match ${regex}`;
  const older = `last_n: not among the newest ${count}${regex !== undefined ? ' matching' : ''}`;
  return (candidates, _ctx, out, matching) => {
    // matching: positions in candidates
    for (let k = 0; k < candidates.length; k++) {
      if (matches(candidates[k]!.name)) matching.push(k);
      else out[k] = unmatched;
    }
    youngestFirstPositions(candidates, matching);
    for (let j = count; j < matching.length; j++) out[matching.at(j)] = older;
  };
}

function regexRule(regex: string, negate: boolean): RuleFn {
  const matches = matcher(regex);
  const matched = `regex: matches ${regex} (negate)`;
  const unmatched = `regex: does not match ${regex}`;
  return (candidates, _ctx, out) => {
    for (let k = 0; k < candidates.length; k++) {
      const m = matches(candidates[k]!.name);
      if (negate && m) out[k] = matched;
      if (!negate && !m) out[k] = unmatched;
    }
  };
}

function notReplicatedRule(keepAtCursor: boolean): RuleFn {
  return (candidates, ctx, out) => {
    if (ctx.replicatedUpTo === null) return;
    for (let i = 0; i < candidates.length; i++) {
      if (i < ctx.replicatedUpTo) out[i] = 'not_replicated: replicated';
      else if (i === ctx.replicatedUpTo && !keepAtCursor) out[i] = 'not_replicated: replicated, at the cursor (keep_snapshot_at_cursor: false)';
    }
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
export function evaluateKeepRules(rules: PruneRule[], candidates: readonly PruneCandidate[], ctx: RuleContext): Map<PruneCandidate, string> {
  const result = new Map<PruneCandidate, string>();
  if (rules.length === 0 || candidates.length === 0) return result;
  const n = candidates.length;
  for (let j = 0; j < rules.length; j++) {
    const s = (scratch[j] ??= { out: [], matching: new Positions() });
    if (s.out.length < n) s.out.length = n; // never shortened: sides of 100 and 101 snapshots would resize it each time
    s.out.fill(undefined, 0, n);
    s.matching.length = 0;
    compileRule(rules[j]!)(candidates, ctx, s.out, s.matching);
  }
  let root = sharedReasons.get(rules);
  if (!root) sharedReasons.set(rules, (root = { next: new Map(), text: undefined }));
  next: for (let k = 0; k < n; k++) {
    for (let j = 0; j < rules.length; j++) if (scratch[j]!.out[k] === undefined) continue next; // kept by a rule
    let node = root;
    for (let j = 0; j < rules.length; j++) {
      const why = scratch[j]!.out[k]!;
      let child = node.next.get(why);
      if (!child) node.next.set(why, (child = { next: new Map(), text: undefined }));
      node = child;
    }
    node.text ??= joinReasons(rules.length, k);
    result.set(candidates[k]!, node.text);
  }
  return result;
}

/** Every rule's reason at candidate k, joined. A function of its own: a closure over the loop's `k` made every turn of
 *  that loop allocate a context for it (about a tenth of what planning allocated at 10,000 x 100, bench/01). */
function joinReasons(rules: number, k: number): string {
  const reasons: string[] = [];
  for (let j = 0; j < rules; j++) reasons.push(scratch[j]!.out[k]!);
  return reasons.join('; ');
}

/**
 * Each rule's arrays, reused from one dataset side to the next: planning is synchronous and no verdict outlives
 * evaluateKeepRules, so at scale there is no array per rule and dataset side.
 */
const scratch: { out: (string | undefined)[]; matching: Positions }[] = [];

/**
 * The joined reasons of the rules that let a snapshot go, one string per combination (the same few repeat for every
 * snapshot of every dataset, and a first prune at scale destroys millions): a trie keyed by each rule's reason in
 * turn, each a string the compiled rule holds, so that no text is joined or looked up whole per destroyed snapshot.
 */
interface ReasonNode {
  next: Map<string, ReasonNode>;
  text: string | undefined;
}

const sharedReasons = new WeakMap<PruneRule[], ReasonNode>();
