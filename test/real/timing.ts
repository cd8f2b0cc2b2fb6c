// test/real/timing LOG...: where the real-ZFS suite's time went, from test/real/run's output (node's spec reporter;
// the "[2.x] " prefixes of test/run-all are fine): a table per file and the slowest tests, in Markdown.
// Run on the host after a build: node dist/test/real/timing.js /path/to/2.1.log
// --ran FILE: FILE lists the test files that run ran (one path per line, as test/run-all keeps them in
// <ver>.files); without it, every test file is taken to have run. Files that did not run must be left out, or
// a test of one could be put down to another with the same titles (contract-local and contract-ssh).
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { assignFiles, parseSpec, renderTables, titlesIn, type FileTitles } from './timing-table.js';

const SRC = fileURLToPath(new URL('../../../test/real/', import.meta.url));

/** Each test file (sorted, as test/real/run runs them) with its titles and those of the local modules it imports. */
function fileTitles(ran?: Set<string>): FileTitles[] {
  const read = (p: string) => { try { return readFileSync(p, 'utf8'); } catch { return ''; } };
  const titles = (file: string, seen: Set<string>): RegExp[] => {
    if (seen.has(file)) return [];
    seen.add(file);
    const text = read(file);
    const imports = [...text.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)].map((m) => path.resolve(path.dirname(file), `${m[1]}.ts`));
    return [...titlesIn(text), ...imports.filter((p) => p.includes('/test/')).flatMap((p) => titles(p, seen))];
  };
  return readdirSync(SRC).filter((f) => f.endsWith('.test.ts') && (!ran || ran.has(f.replace(/\.ts$/, '.js')))).sort().map((f) => ({ file: f.replace(/\.ts$/, ''), titles: titles(path.join(SRC, f), new Set()) }));
}

const args = process.argv.slice(2);
let ran: Set<string> | undefined;
if (args[0] === '--ran') {
  if (args[1] === undefined) {
    process.stderr.write('node dist/test/real/timing.js: --ran needs a file (the test files that ran, one per line)\n');
    process.exit(64);
  }
  ran = new Set(readFileSync(args[1], 'utf8').split('\n').filter(Boolean).map((f) => path.basename(f)));
  args.splice(0, 2);
}
const logs = args;
if (logs.length === 0) {
  process.stderr.write('usage: node dist/test/real/timing.js [--ran FILES] LOG... (the output of test/real/run)\n');
  process.exit(64);
}
const files = fileTitles(ran);
for (const log of logs) {
  if (logs.length > 1) process.stdout.write(`\n### ${log}\n\n`);
  process.stdout.write(`${renderTables(assignFiles(parseSpec(readFileSync(log, 'utf8')), files))}\n`);
}
