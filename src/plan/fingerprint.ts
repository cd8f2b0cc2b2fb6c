// What one dataset looked like when planned, as a digest that a saved plan's apply compares.
import { createHash } from 'node:crypto';
import type { Listing } from '../zfs/types.js';
import { indexListing } from './listing-index.js';

/** The canonical text the fingerprint digests (exported for tests and debugging). */
export function computeFingerprintText(listing: Listing, dataset: string): string {
  const index = indexListing(listing); // built once per listing: a scan per dataset would be quadratic
  const d = index.dataset(dataset);
  const lines = ['zform-fingerprint 1', `dataset ${dataset}`];
  if (!d) {
    lines.push('exists no');
  } else {
    lines.push('exists yes', `guid ${d.guid}`, `resume ${d.resumeToken ?? '-'}`);
    for (const v of index.versions(dataset)) lines.push(`${v.kind} ${v.name} ${v.guid}`);
  }
  return lines.join('\n') + '\n';
}

/** sha256 (hex) of the dataset's existence, GUID, resume token and every version (kind, name, GUID) in order.
 *  Deliberately not `written`: a live source changes it all the time. */
export function computeFingerprint(listing: Listing, dataset: string): string {
  return createHash('sha256').update(computeFingerprintText(listing, dataset)).digest('hex');
}
