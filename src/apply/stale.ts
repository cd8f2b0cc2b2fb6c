// A saved plan is applied only if ZFS still looks as it did when planned (Terraform's stale-plan check).
import type { Config } from '../config/types.js';
import type { Plan } from '../plan/types.js';
import type { HostPool } from '../hosts.js';
import { readInventories } from '../plan/read.js';
import { computeFingerprint } from '../plan/fingerprint.js';
import { StalePlanError } from '../errors.js';

export async function checkPlanFresh(plan: Plan, config: Config, hosts: HostPool): Promise<void> {
  if (plan.configDigest !== config.digest) {
    throw new StalePlanError(`saved plan is stale: the configuration ${config.file} changed since the plan was made; plan again`);
  }
  const jobs = plan.jobs.map((j) => j.job);
  const { inventories, failures } = await readInventories(config, jobs, (name) => hosts.get(name));
  // a saved plan is all or nothing: a host that cannot be listed fails the apply, as before
  const failed = Object.values(failures).flat()[0];
  if (failed) throw failed.error;
  const changed: string[] = [];
  for (const jp of plan.jobs) {
    const inv = inventories[jp.job];
    if (!inv) { changed.push(`job ${jp.job}`); continue; }
    for (const ds of jp.datasets) {
      for (const fp of ds.fingerprints) {
        const listing = fp.dataset === ds.target ? inv.target : inv.source;
        const now = listing ? computeFingerprint(listing, fp.dataset) : null;
        if (now !== fp.digest) changed.push(`${fp.host}:${fp.dataset}`);
      }
    }
  }
  if (changed.length > 0) {
    throw new StalePlanError(
      `saved plan is stale: ${changed[0]}${changed.length > 1 ? ` and ${changed.length - 1} more dataset(s)` : ''} changed since the plan was made (snapshots, GUIDs or resume state); plan again`,
      changed.slice(1).map((c) => `also changed: ${c}`),
    );
  }
}
