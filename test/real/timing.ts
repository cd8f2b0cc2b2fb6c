// test/real/timing LOG...: where the real-ZFS suite's time went, from test/real/run's output (node's spec reporter;
// the "[2.x] " prefixes of test/run-all are fine): a table per file and the slowest tests, in Markdown.
// Run on the host after a build: node dist/test/real/timing.js /path/to/2.1.log
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { assignFiles, parseSpec, renderTables, titlesIn, type FileTitles } from './timing-table.js';

const SRC = fileURLToPath(new URL('../../../test/real/', import.meta.url));

/** Each test file (sorted, as test/real/run runs them) with its titles and those of the local modules it imports. */
function fileTitles(): FileTitles[] {
  const read = (p: string) => { try { return readFileSync(p, 'utf8'); } catch { return ''; } };
  const titles = (file: string, seen: Set<string>): RegExp[] => {
    if (seen.has(file)) return [];
    seen.add(file);
    const text = read(file);
    const imports = [...text.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)].map((m) => path.resolve(path.dirname(file), `${m[1]}.ts`));
    return [...titlesIn(text), ...imports.filter((p) => p.includes('/test/')).flatMap((p) => titles(p, seen))];
  };
  return readdirSync(SRC).filter((f) => f.endsWith('.test.ts')).sort().map((f) => ({ file: f.replace(/\.ts$/, ''), titles: titles(path.join(SRC, f), new Set()) }));
}

const logs = process.argv.slice(2);
if (logs.length === 0) {
  process.stderr.write('usage: node dist/test/real/timing.js LOG... (the output of test/real/run)\n');
  process.exit(64);
}
const files = fileTitles();
for (const log of logs) {
  if (logs.length > 1) process.stdout.write(`\n### ${log}\n\n`);
  process.stdout.write(`${renderTables(assignFiles(parseSpec(readFileSync(log, 'utf8')), files))}\n`);
}
