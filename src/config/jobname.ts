// Whether a job name can be embedded in every name zform creates for the job (hold tags, bookmarks).
import {
  MAX_HOLD_TAG_LEN, MAX_NAME_LEN, componentNamecheck, makeCursorName, makeLastReceivedHoldTag,
  makeStepHoldTag, makeTentativeCursorName,
} from '../zfs/names.js';

const SAMPLE_GUID = '18446744073709551615'; // 16 hex digits, like every GUID

interface GeneratedName { what: string; shape: string; make: (job: string) => string; limit: number }

// the longest generated names first: the first one that overflows is the one the user needs to hear about
const GENERATED: GeneratedName[] = [
  { what: 'tentative cursor bookmark name', shape: 'zform_CURSORTENTATIVE_G_<16 hex>_J_<job>', make: (j) => makeTentativeCursorName(SAMPLE_GUID, j), limit: MAX_NAME_LEN },
  { what: 'cursor bookmark name', shape: 'zform_CURSOR_G_<16 hex>_J_<job>', make: (j) => makeCursorName(SAMPLE_GUID, j), limit: MAX_NAME_LEN },
  { what: 'hold tag', shape: 'zform_last_received_J_<job>', make: makeLastReceivedHoldTag, limit: MAX_HOLD_TAG_LEN },
  { what: 'hold tag', shape: 'zform_STEP_J_<job>', make: makeStepHoldTag, limit: MAX_HOLD_TAG_LEN },
];

/** The longest job name (in bytes) that fits every generated name. */
export const MAX_JOB_NAME_BYTES = Math.min(...GENERATED.map((g) => g.limit - g.make('').length));

/** Why `name` cannot be a job name, or null. */
export function jobNameCheck(name: string): string | null {
  if (name.length === 0) return 'must not be empty';
  const bytes = Buffer.byteLength(name);
  for (const g of GENERATED) {
    const full = g.make(name);
    if (Buffer.byteLength(full) > g.limit) {
      return `is too long (${bytes} bytes): the ${g.what} "${g.shape}" would exceed ${g.limit} bytes; use at most ${MAX_JOB_NAME_BYTES} bytes`;
    }
  }
  const err = componentNamecheck(name);
  if (err) return `"${name}" cannot be used in ZFS bookmark names and hold tags: ${err} (allowed: letters, digits, "_", "-", ".", ":" and space)`;
  return null;
}
