// test/real/shard VERSION VERSIONS FULL: the real-ZFS test files (dist/test/real/**/*.test.js, sorted, as
// test/real/run finds them) that VERSION runs in test/run-all, one per line. VERSIONS are all the versions of the
// run and FULL those that run everything, each a space-separated list (test/real/shards.ts says how files are
// shared out). Run on the host after a build: node dist/test/real/shard.js 2.1 "2.1 2.3" ""
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { shareFiles } from './shards.js';

const [version, versions, full] = process.argv.slice(2);
const list = (s: string | undefined) => (s ?? '').split(/\s+/).filter(Boolean);
if (!version || !list(versions).includes(version)) {
  process.stderr.write('usage: node dist/test/real/shard.js VERSION "VERSIONS" "FULL" (VERSION one of VERSIONS)\n');
  process.exit(64);
}
const files = readdirSync('dist/test/real', { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.test.js')).map((f) => path.join('dist/test/real', f))
  .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const mine = shareFiles(files, list(versions), list(full)).get(version) ?? [];
process.stdout.write(mine.map((f) => `${f}\n`).join(''));
