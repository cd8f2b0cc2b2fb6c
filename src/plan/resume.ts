// Whether a target's receive_resume_token can be resumed by this plan, checked against the source (zrepl's sender validation).
import type { VersionRecord } from '../zfs/types.js';
import type { VersionRef } from './types.js';
import type { DecodedResumeToken } from './input.js';
import { refOf } from './listing-index.js';

export type ResumeCheck =
  | { kind: 'none' }
  | { kind: 'valid'; token: string; from: VersionRef | null; to: VersionRef; bytesDone: number | null }
  | { kind: 'invalid'; token: string; reason: string };

export interface ResumeCheckInput {
  token: string | null;
  decoded: DecodedResumeToken | undefined;
  sourceDataset: string;
  sourceEncrypted: boolean;
  /** the job sends with -w (send.raw or send.encrypted) */
  jobRaw: boolean;
  /** source snapshots and bookmarks, oldest first */
  sourceVersions: readonly VersionRecord[];
  /** the target's newest snapshot, if any */
  targetNewest: VersionRecord | null;
  targetWritten: number;
  replicable: (snapshotName: string) => boolean;
  /** a clone's origin snapshot (in another dataset), from which its first step is sent */
  origin?: VersionRecord;
}

/** A source version with this GUID, a snapshot preferred over a bookmark. */
export function findByGuid(versions: readonly VersionRecord[], guid: string): VersionRecord | undefined {
  return versions.find((v) => v.guid === guid && v.kind === 'snapshot') ?? versions.find((v) => v.guid === guid);
}

/**
 * Valid iff the token decodes, names this source dataset, its toguid is a source snapshot that is still
 * replicable, its fromguid (if any) is a source version equal to the target's newest snapshot (a full
 * token needs a target without snapshots), raw-ness agrees with the job for an encrypted source, and the
 * target was not modified since its newest snapshot (the resumed receive would fail). Anything else is
 * invalid with a one-line reason, and the plan aborts the partial receive (`zfs receive -A`).
 */
export function computeResumeCheck(a: ResumeCheckInput): ResumeCheck {
  if (a.token === null) return { kind: 'none' };
  const invalid = (reason: string): ResumeCheck => ({ kind: 'invalid', token: a.token!, reason });
  const info = a.decoded;
  if (info === undefined) return invalid('the resume token was not decoded');
  if ('error' in info) return invalid(`the resume token cannot be decoded: ${info.error}`);
  const at = info.toname.indexOf('@');
  const toDataset = at < 0 ? info.toname : info.toname.slice(0, at);
  if (toDataset !== a.sourceDataset) return invalid(`the resume token is for ${info.toname}, not for a snapshot of ${a.sourceDataset}`);
  const to = a.sourceVersions.find((v) => v.kind === 'snapshot' && v.guid === info.toguid);
  if (!to) return invalid(`the resume token's snapshot ${info.toname} (toguid ${info.toguid}) no longer exists on the source`);
  let from: VersionRecord | null = null;
  if (info.fromguid !== undefined) {
    const f = incrementalSource(a, info.fromguid);
    if (typeof f === 'string') return invalid(f);
    from = f;
  } else if (a.targetNewest) {
    return invalid(`the resume token is for a full send, but the target already has snapshots (newest @${a.targetNewest.name})`);
  }
  const tokenRaw = info.rawok && a.sourceEncrypted;
  const jobRaw = a.jobRaw && a.sourceEncrypted;
  if (tokenRaw !== jobRaw) {
    return invalid(tokenRaw
      ? 'the resume token is for a raw (encrypted) send, but the job sends decrypted (send.encrypted and send.raw are off)'
      : 'the resume token is for a decrypted send, but the job sends raw (send.encrypted or send.raw)');
  }
  if (!a.replicable(to.name)) return invalid(`the resume token's snapshot @${to.name} does not match replication.snapshots`);
  if (a.targetNewest && a.targetWritten > 0) return invalid(`the target was modified since its newest snapshot @${a.targetNewest.name}`);
  return { kind: 'valid', token: a.token, from: from ? refOf(from) : null, to: refOf(to), bytesDone: info.bytes ?? null };
}

/** The source version an incremental token continues from, or why it cannot be resumed. A clone's first receive comes
 *  from its origin, a snapshot of another dataset, into a target that has no snapshot yet. */
function incrementalSource(a: ResumeCheckInput, fromguid: string): VersionRecord | string {
  if (a.origin && fromguid === a.origin.guid && !a.targetNewest) return a.origin;
  const f = findByGuid(a.sourceVersions, fromguid);
  if (!f) return `the resume token's incremental source (fromguid ${fromguid}) no longer exists on the source`;
  if (!a.targetNewest || a.targetNewest.guid !== fromguid) {
    const newest = a.targetNewest ? `@${a.targetNewest.name} (guid ${a.targetNewest.guid})` : 'none';
    return `the resume token's incremental source ${f.kind === 'snapshot' ? '@' : '#'}${f.name} (fromguid ${fromguid}) is not the target's newest snapshot (${newest})`;
  }
  return f;
}
