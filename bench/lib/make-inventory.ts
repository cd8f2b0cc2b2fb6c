// Writes a synthetic inventory (bench/lib/inventory.ts) as the files the stand-in `zfs` serves:
//   DIR/list/<root> (its datasets), DIR/versions/<dataset> (its snapshots and bookmarks), DIR/get/<root> ("/" as "%"), DIR/holds, DIR/tokens/<token>, DIR/columns,
//   DIR/zform.yml and DIR/counts.json.
// Usage: node dist/bench/lib/make-inventory.js --datasets N --snapshots S --out DIR [--now MS] [--pruning steady|first|off]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { COLUMNS, computeInventory, type PruningMode } from './inventory.js';

export function fileKey(root: string): string { return root.replaceAll('/', '%'); }

export function writeInventory(dir: string, spec: Parameters<typeof computeInventory>[0]): ReturnType<typeof computeInventory>['counts'] {
  const inv = computeInventory(spec);
  for (const sub of ['list', 'versions', 'get', 'tokens']) mkdirSync(join(dir, sub), { recursive: true });
  for (const [root, text] of Object.entries(inv.list)) {
    // zform lists a root's datasets, then the snapshots and bookmarks of the datasets it found (`-d 1`, in slices)
    const datasets: string[] = [];
    const versions = new Map<string, string[]>();
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const name = line.slice(0, line.indexOf('\t'));
      const at = name.search(/[@#]/);
      if (at < 0) { datasets.push(line); continue; }
      const ds = name.slice(0, at);
      let lines = versions.get(ds);
      if (!lines) versions.set(ds, lines = []);
      lines.push(line);
    }
    writeFileSync(join(dir, 'list', fileKey(root)), datasets.map((l) => l + '\n').join(''));
    for (const line of datasets) {
      const ds = line.slice(0, line.indexOf('\t'));
      writeFileSync(join(dir, 'versions', fileKey(ds)), (versions.get(ds) ?? []).map((l) => l + '\n').join(''));
    }
  }
  for (const [root, text] of Object.entries(inv.placeholders)) writeFileSync(join(dir, 'get', fileKey(root)), text);
  for (const [token, text] of Object.entries(inv.tokens)) writeFileSync(join(dir, 'tokens', token), text);
  writeFileSync(join(dir, 'holds'), inv.holds);
  writeFileSync(join(dir, 'columns'), COLUMNS + '\n');
  writeFileSync(join(dir, 'zform.yml'), inv.config);
  writeFileSync(join(dir, 'counts.json'), JSON.stringify(inv.counts) + '\n');
  return inv.counts;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { values } = parseArgs({ options: {
    datasets: { type: 'string' }, snapshots: { type: 'string', default: '100' }, out: { type: 'string' },
    now: { type: 'string' }, pruning: { type: 'string', default: 'steady' }, job: { type: 'string', default: 'bench' },
  } });
  if (!values.datasets || !values.out || !['steady', 'first', 'off'].includes(values.pruning!)) {
    process.stderr.write('usage: make-inventory --datasets N [--snapshots S] --out DIR [--now MS] [--job NAME] [--pruning steady|first|off]\n');
    process.exit(64);
  }
  const counts = writeInventory(values.out, {
    datasets: Number(values.datasets), snapshots: Number(values.snapshots), job: values.job!,
    now: values.now ? Number(values.now) : Date.now(), pruning: values.pruning as PruningMode,
  });
  process.stdout.write(JSON.stringify(counts) + '\n');
}
