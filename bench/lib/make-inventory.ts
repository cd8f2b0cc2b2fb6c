// Writes a synthetic inventory (bench/lib/inventory.ts) as the files the stand-in `zfs` serves:
//   DIR/list/<root> (its datasets: LIST_COLUMNS, then zform:placeholder's value), DIR/versions (every dataset's snapshots and bookmarks
//   with a version's own columns, the datasets in name order) with DIR/versions.index (name, offset, length),
//   DIR/versions-11 and its index (the same with the 11 columns before `origin`, which the builds of sessions 13 and 14 ask for),
//   DIR/full/<root> (one recursive listing of everything), DIR/get/<root> ("/" as "%": zform:placeholder set locally),
//   DIR/getall/<root> (zform:placeholder of every dataset, with its source), DIR/holds, DIR/tokens/<token>,
//   DIR/columns, DIR/version-columns,
//   DIR/zform.yml and DIR/counts.json.
// Usage: node dist/bench/lib/make-inventory.js --datasets N --snapshots S --out DIR [--now MS] [--pruning steady|first|off]
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { COLUMNS, VERSION_COLUMNS, computeInventory, type PruningMode } from './inventory.js';

export function fileKey(root: string): string { return root.replaceAll('/', '%'); }

export function writeInventory(dir: string, spec: Parameters<typeof computeInventory>[0]): ReturnType<typeof computeInventory>['counts'] {
  const inv = computeInventory(spec);
  for (const sub of ['list', 'full', 'get', 'getall', 'tokens']) mkdirSync(join(dir, sub), { recursive: true });
  // zform lists a root's datasets, then the snapshots and bookmarks of slices of them (`zfs list -d 1`, the names in
  // order): every dataset's versions go into one file, in name order, with an index of byte ranges, so that the
  // stand-in serves a slice with one read
  const versions = new Map<string, string[]>();
  // the dataset listing's last column, zform:placeholder: "on" where set (the `zfs get -s local` answers) or inherited
  const placeholders = new Set(Object.values(inv.placeholders).flatMap((t) => t.split('\n').filter((l) => l.endsWith('\ton')).map((l) => l.slice(0, -3))));
  const placeholder = (name: string) => {
    for (let at = name.length; at > 0; at = name.lastIndexOf('/', at - 1)) if (placeholders.has(name.slice(0, at))) return 'on';
    return '-';
  };
  // the same as `zfs get -H -p -r -t filesystem,volume -o name,value,source zform:placeholder` prints it: every dataset,
  // its value, and where it is set ("local", "inherited from A", or "-" when it is not)
  const placeholderLine = (name: string) => {
    for (let at = name.length; at > 0; at = name.lastIndexOf('/', at - 1)) {
      if (placeholders.has(name.slice(0, at))) return `${name}\ton\t${at === name.length ? 'local' : `inherited from ${name.slice(0, at)}`}\n`;
    }
    return `${name}\t-\t-\n`;
  };
  // the 11 columns before `origin`, which builds before session 27 ask for
  const first11 = (line: string) => line.slice(0, line.lastIndexOf('\t'));
  for (const [root, text] of Object.entries(inv.list)) {
    // the whole recursive listing, which builds before session 13 ask for (bench/01's BENCH_PLAN_BEFORE)
    writeFileSync(join(dir, 'full', fileKey(root)), text.split('\n').map((l) => (l === '' ? l : first11(l))).join('\n'));
    const datasets: string[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const name = line.slice(0, line.indexOf('\t'));
      const at = name.search(/[@#]/);
      if (at < 0) {
        datasets.push(`${line}\t${placeholder(name)}`);
        if (!versions.has(name)) versions.set(name, []);
        continue;
      }
      versions.get(name.slice(0, at))!.push(line);
    }
    writeFileSync(join(dir, 'list', fileKey(root)), datasets.map((l) => l + '\n').join(''));
    writeFileSync(join(dir, 'getall', fileKey(root)), datasets.map((l) => placeholderLine(l.slice(0, l.indexOf('\t')))).join(''));
  }
  const names = [...versions.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const writeVersions = (file: string, line: (l: string) => string) => {
    const fd = openSync(join(dir, file), 'w');
    const index: string[] = [];
    let offset = 0;
    for (const name of names) {
      const bytes = Buffer.from(versions.get(name)!.map((l) => line(l) + '\n').join(''));
      writeSync(fd, bytes);
      index.push(`${name}\t${offset}\t${bytes.length}\n`);
      offset += bytes.length;
    }
    closeSync(fd);
    writeFileSync(join(dir, `${file}.index`), index.join(''));
  };
  // a version listing's columns from the 12 of a line, and numclones (no clones in an inventory: 0, `-` for a bookmark)
  const all = COLUMNS.split(',');
  const pick = VERSION_COLUMNS.split(',').map((c) => all.indexOf(c));
  writeVersions('versions', (l) => {
    const cols = l.split('\t');
    return pick.map((k) => (k >= 0 ? cols[k]! : cols[1] === 'snapshot' ? '0' : '-')).join('\t');
  });
  writeVersions('versions-11', first11);
  for (const [root, text] of Object.entries(inv.placeholders)) writeFileSync(join(dir, 'get', fileKey(root)), text);
  for (const [token, text] of Object.entries(inv.tokens)) writeFileSync(join(dir, 'tokens', token), text);
  writeFileSync(join(dir, 'holds'), inv.holds);
  writeFileSync(join(dir, 'columns'), COLUMNS + '\n');
  writeFileSync(join(dir, 'version-columns'), VERSION_COLUMNS + '\n');
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
