// What one dataset looked like when planned, as a digest that a saved plan's apply compares.
import { createHash } from 'node:crypto';
import type { Listing } from '../zfs/types.js';
import { compareVersions } from './listing-index.js';

/** The canonical text the fingerprint digests (exported for tests and debugging). */
export function computeFingerprintText(listing: Listing, dataset: string): string {
  const d = listing.datasets.find((x) => x.name === dataset);
  const lines = ['zform-fingerprint 1', `dataset ${dataset}`];
  if (!d) {
    lines.push('exists no');
  } else {
    lines.push('exists yes', `guid ${d.guid}`, `resume ${d.resumeToken ?? '-'}`);
    const versions = listing.versions.filter((v) => v.dataset === dataset).sort(compareVersions);
    for (const v of versions) lines.push(`${v.kind} ${v.name} ${v.guid}`);
  }
  return lines.join('\n') + '\n';
}

/** sha256 (hex) of the dataset's existence, GUID, resume token and every version (kind, name, GUID) in order.
 *  Deliberately not `written`: a live source changes it all the time. */
export function computeFingerprint(listing: Listing, dataset: string): string {
  return createHash('sha256').update(computeFingerprintText(listing, dataset)).digest('hex');
}
