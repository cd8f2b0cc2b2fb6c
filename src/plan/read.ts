// Reads what computePlan needs: one listing per host and set of roots (shared between jobs), and the
// decoded resume tokens found on targets.
import type { Config, JobConfig } from '../config/types.js';
import type { Listing, ZfsHost } from '../zfs/types.js';
import type { DecodedResumeToken, JobInventory } from './input.js';
import { compileFilter } from '../config/filter.js';
import { ZformError } from '../errors.js';
import { computeWireHosts, type HostPrograms } from './wire.js';
import { ZfsError } from '../zfs/errors.js';
import { COMMANDS_AT_ONCE, mapLimited } from '../limit.js';

export interface Inventories {
  /** jobs whose listings all succeeded */
  inventories: Record<string, JobInventory>;
  resumeTokens: Record<string, DecodedResumeToken>;
  /** per job, the listings that failed (the job has no inventory then) */
  failures: Record<string, ListingFailure[]>;
  /** per host that a job's send.compression needs (checkPrograms only): the compressors found there */
  programs: Record<string, HostPrograms>;
}

/**
 * Per job: one `list(roots)` on the source host with the filter's roots (`[]` = every pool, when the
 * filter selects everything), and one `list([root_fs])` on the target host (a missing root_fs lists as
 * empty). A host+roots combination is listed once even when several jobs share it. Then every distinct
 * resume token found on a target is decoded once, on the source host of the first job that found it
 * (the host that would run `zfs send -t`); a failure is recorded as `{ error }`, not thrown. A listing that fails
 * is recorded in `failures` for every job that needs it, and those jobs get no inventory; the others are unaffected.
 */
export async function readInventories(
  config: Config, jobs: string[], hostFor: (hostName: string) => ZfsHost, opts: { checkPrograms?: boolean } = {},
): Promise<Inventories> {
  const listings = new Map<string, Promise<Listing>>();
  const list = (host: string, roots: string[]): Promise<Listing> => {
    const key = `${host}\0${[...roots].sort().join('\0')}`;
    let p = listings.get(key);
    if (!p) {
      p = hostFor(host).list(roots);
      listings.set(key, p);
    }
    return p;
  };
  const selected: JobConfig[] = jobs.map((name) => {
    const job = config.jobs.find((j) => j.name === name);
    if (!job) throw new ZformError('internal', `job "${name}" is not in ${config.file}`);
    return job;
  });
  const pending = selected.map((job) => {
    const roots = compileFilter(job.source.filesystems).roots();
    return {
      job,
      source: list(job.source.host, roots ?? []),
      target: job.target ? list(job.target.host, [job.target.rootFs]) : null,
    };
  });
  // send.compression: one `command -v` per host whose transfers compress, with every program asked of it
  const wanted = new Map<string, Set<string>>();
  if (opts.checkPrograms) {
    for (const job of selected) {
      for (const h of computeWireHosts(job, config.hosts)) {
        let set = wanted.get(h);
        if (!set) wanted.set(h, (set = new Set()));
        set.add(job.send.compression!.program);
      }
    }
  }
  const programsP = Promise.all([...wanted].map(async ([h, set]): Promise<[string, HostPrograms]> => {
    try {
      return [h, await hostFor(h).findPrograms([...set].sort())];
    } catch (err) {
      return [h, { error: oneLine(err) }];
    }
  }));
  // Every listing runs concurrently; one that fails fails only the jobs that need it (the others still plan).
  await Promise.allSettled([...listings.values()]);

  const inventories: Record<string, JobInventory> = {};
  const failures: Record<string, ListingFailure[]> = {};
  const tokenHost = new Map<string, string>();
  for (const p of pending) {
    const [source, target] = await Promise.allSettled([p.source, p.target]);
    const failed: ListingFailure[] = [];
    if (source.status === 'rejected') failed.push(listingFailure(p.job.source.host, 'source', source.reason));
    if (target.status === 'rejected') failed.push(listingFailure(p.job.target!.host, 'target', target.reason));
    if (source.status === 'rejected' || target.status === 'rejected') { failures[p.job.name] = failed; continue; }
    inventories[p.job.name] = { source: source.value, target: target.value };
    for (const d of target.value?.datasets ?? []) {
      if (d.resumeToken && !tokenHost.has(d.resumeToken)) tokenHost.set(d.resumeToken, p.job.source.host);
    }
  }
  // No job could be listed, and only because `zfs` is missing: one error, once, instead of one per job and side.
  const all = Object.values(failures).flat();
  if (Object.keys(inventories).length === 0 && all.length > 0 && all.every((f) => f.error instanceof ZfsError && f.error.code === 'zfs_not_found')) {
    const hosts = [...new Set(all.map((f) => f.host))].sort();
    throw hosts.length === 1 ? all[0]!.error : new ZformError('zfs', `OpenZFS's zfs command was not found on hosts ${hosts.join(', ')}`);
  }
  // one `zfs send -n -v -t` per token: after a target pool filled up, every dataset may have one
  const decoded = await mapLimited([...tokenHost], COMMANDS_AT_ONCE, async ([token, host]): Promise<[string, DecodedResumeToken]> => {
    try {
      return [token, await hostFor(host).decodeResumeToken(token)];
    } catch (err) {
      return [token, { error: oneLine(err) }];
    }
  });
  return { inventories, resumeTokens: Object.fromEntries(decoded), failures, programs: Object.fromEntries(await programsP) };
}

/** A host that could not be listed for a job: which side, and the error (kept for callers that rethrow it). */
export interface ListingFailure {
  host: string;
  side: 'source' | 'target';
  message: string;
  error: unknown;
}

function listingFailure(host: string, side: 'source' | 'target', error: unknown): ListingFailure {
  return { host, side, message: oneLine(error), error };
}

function oneLine(err: unknown): string {
  return err instanceof ZformError ? err.shortMessage : err instanceof Error ? err.message.split('\n')[0]! : String(err);
}
