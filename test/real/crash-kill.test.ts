// A sample of the crash points of test/unit/apply/crash.test.ts on real OpenZFS: `zform apply` is killed with
// kill -9 at one zfs command boundary per round (a privilege wrapper runs each zfs command and kills zform before,
// after, or half-way into a receive's stream), then applied again: at most two more applies converge to a plan with
// no changes, with no step hold or tentative cursor left and an incremental still possible.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { createPool, requireGuest, sh, writeFile, type Pool } from './lib.js';
import { Zform, assertNoChangesIn } from './apply-helpers.js';

requireGuest(import.meta.url);

/** Runs `zfs ...` (its arguments) and, for the command $DIR/crash names ("VERB WHEN [BYTES]", VERB "destroy@" for
 *  snapshots), kills zform (its parent) before it, after it, or once BYTES of a receive's stream went in. */
const WRAPPER = (dir: string) => `#!/bin/bash
DIR=${dir}
exec 9>"$DIR/crash.lock"; flock 9
verb=; when=; bytes=
[ -f "$DIR/crash" ] && read -r verb when bytes < "$DIR/crash"
hit=
case "$2 $*" in *" -A "*|*" -n "*) ;; *)
  if [ -n "$verb" ] && { [ "$2" = "$verb" ] || { [ "$verb" = destroy@ ] && [ "$2" = destroy ] && [[ "$3" == *@* ]]; }; }; then
    hit=1; rm -f "$DIR/crash"; echo "$when: $*" > "$DIR/crashed"
  fi ;;
esac
flock -u 9; exec 9>&-
if [ -n "$hit" ] && [ "$when" = before ]; then kill -9 $PPID; exit 137; fi
if [ -n "$hit" ] && [ "$when" = mid ]; then { head -c "$bytes"; kill -9 $PPID; } | "$@"; exit $?; fi
"$@"; rc=$?
if [ -n "$hit" ] && [ "$when" = after ]; then kill -9 $PPID; fi
exit $rc
`;

describe('kill -9 at a sample of zfs command boundaries, then apply until no changes', () => {
  const z = new Zform();
  let src: Pool;
  let dst: Pool;
  let cfg: string;
  const sourceGuids = new Set<string>();

  before(async () => {
    src = await createPool('zkcsrc', { mounted: true });
    dst = await createPool('zkcdst');
    const wrapper = z.file('wrap');
    await sh(`cat > ${wrapper} <<'EOF'\n${WRAPPER(z.dir)}EOF`);
    chmodSync(wrapper, 0o755);
    cfg = z.config('zform.yml', `
hosts:
  local: { privilege: "${wrapper}" }
jobs:
  - name: j
    source: { host: local, filesystems: { "zkcsrc/a<": true } }
    target: { host: local, root_fs: zkcdst }
    replication: { protection: { initial: guarantee_resumability, incremental: guarantee_resumability } }
    pruning:
      keep_source: [ { type: not_replicated }, { type: last_n, count: 2 } ]
      keep_target: [ { type: last_n, count: 3 } ]
`);
    await sh('zfs create zkcsrc/a && zfs create zkcsrc/a/b');
  });

  after(async () => {
    await src?.destroy();
    await dst?.destroy();
  });

  async function newSnapshot(n: number): Promise<void> {
    await writeFile('zkcsrc/a', `f${n}`, 600_000);
    await writeFile('zkcsrc/a/b', `f${n}`, 600_000);
    await sh(`zpool sync zkcsrc && zfs snapshot zkcsrc/a@s${n} zkcsrc/a/b@s${n}`);
  }

  async function checkState(what: string, clean: boolean): Promise<void> {
    for (const l of (await sh('zfs list -H -p -o name,guid -t snapshot -r zkcsrc')).trim().split('\n')) sourceGuids.add(l.split('\t')[1]!);
    const target = (await sh('zfs list -H -p -o name,guid -t snapshot -r zkcdst')).trim().split('\n').filter(Boolean);
    for (const l of target) assert.ok(sourceGuids.has(l.split('\t')[1]!), `${what}: target ${l} is a source snapshot`);
    for (const ds of ['a', 'a/b']) {
      const onSource = new Set((await sh(`zfs list -H -p -o guid -t snapshot,bookmark -d 1 zkcsrc/${ds}`)).trim().split('\n'));
      const onTarget = (await sh(`zfs list -H -p -o guid -t snapshot -d 1 zkcdst/zkcsrc/${ds} 2>/dev/null || true`)).trim().split('\n').filter(Boolean);
      if (onTarget.length > 0) assert.ok(onTarget.some((g) => onSource.has(g)), `${what}: zkcsrc/${ds} keeps a common snapshot or cursor`);
    }
    if (!clean) return;
    const holds = await sh('zfs list -H -o name -t snapshot -r zkcsrc zkcdst | xargs -r zfs holds -H');
    assert.doesNotMatch(holds, /zform_STEP_/, `${what}: no step hold left`);
    assert.doesNotMatch(await sh('zfs list -H -o name -t bookmark -r zkcsrc'), /zform_CURSORTENTATIVE_/, `${what}: no tentative cursor left`);
  }

  const rounds: [string, string][] = [
    ['a placeholder created', 'create after'],
    ['a receive cut half-way (resumable)', 'receive mid 400000'],
    ['the cursor moves made (channel program)', 'program after'],
    ['before the step holds are released', 'release before'],
    ['a snapshot pruned', 'destroy@ after'],
    ['a step hold taken', 'hold after'],
  ];
  for (const [i, [what, spec]] of rounds.entries()) {
    it(`killed at: ${what} (${spec})`, async () => {
      await newSnapshot(i + 1);
      await sh(`echo ${spec} > ${z.dir}/crash && rm -f ${z.dir}/crashed`);
      const r = await z.run(['apply', '-c', cfg, '--auto-approve']);
      assert.equal(r.signal, 'SIGKILL', `zform was killed at ${spec}:\n${r.stdout}\n${r.stderr}`);
      assert.match(await sh(`cat ${z.dir}/crashed`), new RegExp(`^${spec.split(' ')[1]}: zfs ${spec.split(' ')[0]!.replace('@', '')}`));
      // the orphaned zfs processes of the killed run end on their own
      await sh('for i in $(seq 100); do pgrep -x zfs >/dev/null || exit 0; sleep 0.2; done; exit 1');
      await checkState('after the crash', false);
      // plan, apply while it has changes (at most twice); the last plan must have none
      const plan = () => z.run(['plan', '-c', cfg, '--detailed-exitcode']);
      let p = await plan();
      for (let applies = 0; p.code !== 0 && applies < 2; applies++) {
        assert.equal(p.code, 2, `plan after the crash:\n${p.stdout}\n${p.stderr}`);
        const a = await z.run(['apply', '-c', cfg, '--auto-approve']);
        assert.equal(a.code, 0, `apply ${applies + 1} after the crash:\n${a.stdout}\n${a.stderr}`);
        await checkState(`apply ${applies + 1}`, false);
        p = await plan();
      }
      assertNoChangesIn(p);
      await checkState('converged', true);
    });
  }
});
