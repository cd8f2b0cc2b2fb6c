// Rich plans for the golden files: most action kinds, conflicts and hosts in a few realistic setups.
import type { Plan } from '../../../src/plan/types.js';
import { G, cur, job, plan, tent, token } from '../../support/dsl.js';

/** Two jobs: a push to a NAS with snapshots, placeholders, batching, regex hops, a resume, an abort and a conflict;
 *  and a local guarantee_incremental job replicating the snapshot it takes. */
export function richPlan(): Plan {
  const nas = job({
    name: 'tank_to_nas',
    filesystems: { 'tank<': true, 'tank/scratch<': false },
    target: { host: 'nas', rootFs: 'backup/tank' },
    snapshotting: { prefix: 'zform_', intervalMs: 3600_000, timestampFormat: 'dense' },
    replication: { snapshots: '^zform_', initial: 'most_recent' },
    send: { compressed: true, largeBlocks: true },
    recv: { properties: { override: { readonly: 'on' }, inherit: ['mountpoint'] }, placeholder: { encryption: 'off' } },
  });
  const local = job({
    name: 'home',
    filesystems: { 'data/home': true },
    target: { host: 'local', rootFs: 'data/backup' },
    snapshotting: { prefix: 'hourly_', intervalMs: 3600_000, timestampFormat: 'human' },
    replication: { protection: { initial: 'guarantee_incremental', incremental: 'guarantee_incremental' } },
  });
  return plan({
    jobs: [
      {
        job: nas,
        src: `
          tank written=2M @zform_20260301_100000_000:g1[c=2026-03-01T10:00:00Z,w=40M]
          tank/db written=512K @zform_20260301_090000_000:g2[w=8G] @manual_before_upgrade[w=1G] @zform_20260301_100000_000:g3[w=300M] @zform_20260301_110000_000:g4[w=120M,c=2026-03-01T11:00:00Z] #${cur('g2', 'tank_to_nas')}:g2
          tank/media @zform_20260301_110000_000:g5[c=2026-03-01T11:30:00Z,w=2G]
          tank/scratch @zform_1:g6
          tank/vm/disk0 volume @zform_20260301_110000_000:g7[c=2026-03-01T11:30:00Z,w=4G] @zform_20260301_113000_000:g8[c=2026-03-01T11:30:00Z,w=100M]
          tank/old @zform_20260301_113000_000:g9[c=2026-03-01T11:30:00Z]
        `,
        dst: `
          backup
          backup/tank placeholder
          backup/tank/tank @zform_20260301_100000_000:g1[hold=zform_last_received_J_tank_to_nas]
          backup/tank/tank/db @zform_20260301_090000_000:g2[hold=zform_last_received_J_tank_to_nas]
          backup/tank/tank/media token=TOK1
          backup/tank/tank/old @zform_20260301_113000_000:g9 @local_change:g10
        `,
      },
      {
        job: local,
        src: `data/home written=64K @hourly_2026-03-01_11:00:00:g11[c=2026-03-01T11:00:00Z,w=3M] #${cur('g11', 'home')}:g11 #${tent('g11', 'home')}:g11`,
        dst: `data/backup\ndata/backup/data @x:g12\ndata/backup/data/home @hourly_2026-03-01_11:00:00:g11[hold=zform_last_received_J_home]`,
      },
    ],
    tokens: { TOK1: token({ toname: 'tank/media@zform_20260301_110000_000', toguid: G('g5'), bytes: 1024 ** 3 }) },
  });
}

/** Rollbacks allowed: one diverged target rolled back, one modified target rolled back, one refused (held), a stale token aborted. */
export function rollbackPlan(): Plan {
  const j = job({ name: 'mirror', filesystems: { 'pool<': true }, target: { host: 'local', rootFs: 'mirror' }, replication: { allowRollback: true } });
  return plan({
    job: j,
    src: `
      pool/a @s1:g1 @s2:g2 @s3:g3
      pool/b @s1:g4 @s2:g5
      pool/c @s1:g6 @s2:g7
      pool/d @s1:g8 @s3:g9
    `,
    dst: `
      mirror
      mirror/pool placeholder
      mirror/pool/a @s1:g1 @s2:g2[hold=zform_last_received_J_mirror] @oops:g20 #bm:g20
      mirror/pool/b written=12K @s1:g4[hold=zform_last_received_J_mirror]
      mirror/pool/c @s1:g6 @keep:g21[hold=important]
      mirror/pool/d @s1:g8[hold=zform_last_received_J_mirror] token=TOK2
    `,
    tokens: { TOK2: token({ toname: 'pool/d@s2', toguid: G('g22'), fromguid: G('g8') }) },
  });
}

/** Everything replicated and protected: no changes. */
export function upToDatePlan(): Plan {
  return plan({
    job: job({ filesystems: { 'tank<': true } }),
    src: `tank @s1:g1 #${cur('g1')}:g1\ntank/a @s1:g2 #${cur('g2')}:g2`,
    dst: 'backup\nbackup/tank @s1:g1[hold=zform_last_received_J_j]\nbackup/tank/a @s1:g2[hold=zform_last_received_J_j]',
  });
}

/** Nothing can proceed: no actions, only errors. */
export function blockedPlan(): Plan {
  return plan({
    job: job({ filesystems: { 'tank<': true }, target: { host: 'nas', rootFs: 'backup' } }),
    src: 'tank @s1:g1 @s2:g2\ntank/empty',
    dst: 'backup\nbackup/tank @other:g30',
  });
}

/** Snapshot, replicate and prune both sides: a day of hourly snapshots, a grid, not_replicated, a held one. */
export function prunePlan(): Plan {
  const j = job({
    name: 'hourly',
    filesystems: { 'tank/vm': true },
    target: { host: 'nas', rootFs: 'backup' },
    snapshotting: { prefix: 'zform_', intervalMs: 3600_000, timestampFormat: 'dense' },
    pruning: {
      keepSource: [{ type: 'not_replicated', keepSnapshotAtCursor: true }, { type: 'last_n', count: 3, regex: '^zform_' }],
      keepTarget: [{ type: 'grid', grid: [{ count: 1, lengthMs: 3600_000, keep: 'all' }, { count: 3, lengthMs: 3600_000, keep: 1 }, { count: 2, lengthMs: 4 * 3600_000, keep: 1 }], gridText: '1x1h(keep=all) | 3x1h | 2x4h', regex: '^zform_' }],
    },
  });
  const hours = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const snap = (h: number, extra = '') => `@zform_20260301_${String(h).padStart(2, '0')}0000_000:g${h}[c=2026-03-01T${String(h).padStart(2, '0')}:00:00Z${extra}]`;
  return plan({
    jobs: [{
      job: j,
      src: `tank\ntank/vm written=5M ${hours.map((h) => snap(h, h === 2 ? ',hold=keep_for_audit' : '')).join(' ')} #${cur('g9', 'hourly')}:g9`,
      dst: `backup\nbackup/tank\nbackup/tank/vm ${hours.filter((h) => h <= 9).map((h) => snap(h, h === 9 ? ',hold=zform_last_received_J_hourly' : '')).join(' ')}`,
    }],
  });
}

export const SCENARIOS: Record<string, () => Plan> = { rich: richPlan, rollback: rollbackPlan, 'up-to-date': upToDatePlan, blocked: blockedPlan, prune: prunePlan };
