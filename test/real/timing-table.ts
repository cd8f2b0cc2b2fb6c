// Where the real-ZFS suite's time goes: node's spec reporter output (test/real/run) turned into a per-file and a
// per-test table. Node 20's spec reporter does not name the file of a test, so each top-level entry is matched to a
// file by its title: the titles of test()/it()/describe() calls in the test file and the modules it imports (a title
// written as a template matches its ${...} parts as anything). Files run one after another in sorted order, so an
// entry's file is the first at or after the current one with a title that matches and is not used up yet.

/** A top-level entry of the spec output: a test, or a describe with its total. */
export interface SpecEntry {
  title: string;
  ms: number;
  ok: boolean;
  /** the tests inside a describe (top level of it only), [] for a test */
  children: SpecEntry[];
}

const LINE = /^( *)([✔✖▶﹣]) (.*?)(?: \((\d+(?:\.\d+)?)ms\))?(?: # .*)?$/u;

/** The top-level entries of a spec log (anything else in the log is skipped); stops at node's failure recap. */
export function parseSpec(log: string): SpecEntry[] {
  const out: SpecEntry[] = [];
  const open: { indent: number; entry: SpecEntry }[] = [];
  for (const raw of log.split('\n')) {
    const line = raw.replace(/^\[\d\.\d\] /, '');
    if (/^✖ failing tests:/u.test(line)) break;
    const m = LINE.exec(line);
    if (!m) continue;
    const indent = m[1]!.length;
    const [mark, title, ms] = [m[2]!, m[3]!, m[4]];
    // a describe ends with its title again and its time (✖ when something in it failed)
    const closing = ms !== undefined ? open.findIndex((o) => o.indent === indent && o.entry.title === title) : -1;
    if (closing >= 0) {
      open[closing]!.entry.ms = Number(ms);
      if (mark === '✖') open[closing]!.entry.ok = false;
      open.length = closing;
      continue;
    }
    while (open.length > 0 && open.at(-1)!.indent >= indent) open.pop();
    if (ms === undefined && mark !== '▶') continue;
    const entry: SpecEntry = { title, ms: Number(ms ?? 0), ok: mark !== '✖', children: [] };
    const parent = open.at(-1)?.entry;
    if (parent) parent.children.push(entry);
    else if (indent === 0) out.push(entry);
    else continue;
    if (mark === '▶') open.push({ indent, entry });
  }
  return out;
}

/** The tests under an entry, describes flattened ("describe › test"); failures of children mark nothing else. */
export function flatten(e: SpecEntry, prefix = ''): { title: string; ms: number; ok: boolean }[] {
  const title = prefix + e.title;
  if (e.children.length === 0) return [{ title, ms: e.ms, ok: e.ok }];
  return e.children.flatMap((c) => flatten(c, `${title} › `));
}

/** A regular expression for a title as written in the source: a string literal, or a template whose ${...} match anything. */
export function titlePattern(literal: string, quote: string): RegExp {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const unescape = (s: string) => s.replace(/\\(.)/g, '$1');
  if (quote !== '`') return new RegExp(`^${esc(unescape(literal))}$`);
  const parts = literal.split(/\$\{(?:[^{}]|\{[^{}]*\})*\}/);
  return new RegExp(`^${parts.map((p) => esc(unescape(p))).join('.*?')}$`);
}

/** The titles of test(), it() and describe() calls in a source text. */
export function titlesIn(source: string): RegExp[] {
  const re = /\b(?:test|it|describe)\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g;
  return [...source.matchAll(re)].map((m) => titlePattern(m[2]!, m[1]!));
}

/** A test file and the title patterns of the tests it can register (its own and its imports'). */
export interface FileTitles { file: string; titles: RegExp[] }

export interface FileTiming { file: string; ms: number; tests: { title: string; ms: number; ok: boolean }[] }

/** Entries in order → files in order. An entry goes to the current file if one of its titles not yet used there
 *  matches, else to the next file with a matching title (apply-local and apply-ssh register the same titles), else it
 *  stays in the current file (a title built in a loop, matched once). */
export function assignFiles(entries: SpecEntry[], files: FileTitles[]): FileTiming[] {
  const out: FileTiming[] = files.map((f) => ({ file: f.file, ms: 0, tests: [] }));
  const used = files.map(() => new Set<number>());
  const unknown: FileTiming = { file: '(no file matched)', ms: 0, tests: [] };
  const free = (i: number, title: string) => files[i]!.titles.findIndex((t, k) => !used[i]!.has(k) && t.test(title));
  let at = 0;
  for (const e of entries) {
    let i = at;
    while (i < files.length && free(i, e.title) < 0) i++;
    let target: FileTiming;
    if (i < files.length) {
      used[i]!.add(free(i, e.title));
      target = out[(at = i)]!;
    } else target = at < files.length && out[at]!.tests.length > 0 ? out[at]! : unknown;
    target.ms += e.ms;
    target.tests.push(...flatten(e));
  }
  return [...out, ...(unknown.tests.length > 0 ? [unknown] : [])].filter((f) => f.tests.length > 0);
}

const min = (ms: number) => `${(ms / 60_000).toFixed(1)}`;
const sec = (ms: number) => `${(ms / 1000).toFixed(1)}`;
const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Markdown tables: files by time (min, tests, share), then the slowest tests (s). */
export function renderTables(files: FileTiming[], slowest = 25): string {
  const total = files.reduce((s, f) => s + f.ms, 0);
  const lines = ['| file | min | tests | share |', '| --- | ---: | ---: | ---: |'];
  for (const f of [...files].sort((a, b) => b.ms - a.ms)) {
    const failed = f.tests.filter((t) => !t.ok).length;
    lines.push(`| ${f.file} | ${min(f.ms)} | ${f.tests.length}${failed ? ` (${failed} failed)` : ''} | ${Math.round((100 * f.ms) / (total || 1))}% |`);
  }
  lines.push(`| **all (tests only; file start-up and file-level hooks not counted)** | **${min(total)}** | **${files.reduce((s, f) => s + f.tests.length, 0)}** | |`);
  lines.push('', `| slowest tests | file | s |`, '| --- | --- | ---: |');
  const tests = files.flatMap((f) => f.tests.map((t) => ({ ...t, file: f.file }))).sort((a, b) => b.ms - a.ms).slice(0, slowest);
  for (const t of tests) lines.push(`| ${cut(t.title, 90)}${t.ok ? '' : ' ✖'} | ${t.file} | ${sec(t.ms)} |`);
  return lines.join('\n');
}
