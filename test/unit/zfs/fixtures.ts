// Reads raw OpenZFS output captured in the guest (test/fixtures/zfs/2.1, made by capture.sh).
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** test/fixtures/zfs/2.1, from dist/test/unit/zfs (compiled) */
export const FIXTURES_21 = fileURLToPath(new URL('../../../../test/fixtures/zfs/2.1/', import.meta.url));

export function readFixture(rel: string): string {
  return readFileSync(FIXTURES_21 + rel, 'utf8');
}

export function listFixtures(dir: string): string[] {
  return readdirSync(FIXTURES_21 + dir).sort();
}
