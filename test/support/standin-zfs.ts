// A stand-in `zfs` for tests that run bin/zform itself (with the folder on PATH): filesystems only, no snapshots.
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A filesystem's row of zform's dataset listing (`zfs list -H -p -r -t filesystem,volume -o ...`). */
export function filesystemRow(name: string, guid: bigint): string {
  return `${name}\tfilesystem\t${guid}\t1\t1795294151\t-\t0\toff\t-\t-\t-\t-`;
}

/**
 * Writes DIR/zfs and DIR/zform.yml; returns the config's path. `zfs list -r` (the dataset listing) runs `listing`,
 * `zfs list -d 1` prints nothing (no snapshots), `zfs snapshot` runs `onSnapshot` (sh, its operands in "$@"); the
 * config's one job, "snaps", snapshots every filesystem under tank hourly.
 */
export async function writeStandInZfs(dir: string, listing: string, onSnapshot: string): Promise<string> {
  await writeFile(join(dir, 'zfs'), `#!/bin/sh
case "$1" in
  list) [ "$4" = -r ] && ${listing} ;;
  snapshot) shift; ${onSnapshot} ;;
esac
exit 0
`);
  await chmod(join(dir, 'zfs'), 0o755);
  const config = join(dir, 'zform.yml');
  await writeFile(config, 'jobs:\n  - name: snaps\n    source: { filesystems: { "tank<": true } }\n    snapshotting: { prefix: zform_, interval: 1h }\n');
  return config;
}
