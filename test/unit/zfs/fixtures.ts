// Reads raw OpenZFS output captured in the guest (test/fixtures/zfs/<ver>/, made by capture.sh; 2.1 unless asked).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** test/fixtures/zfs/, from dist/test/unit/zfs (compiled) */
export const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/zfs/', import.meta.url));
/** test/fixtures/zfs/2.1/ */
export const FIXTURES_21 = `${FIXTURES}2.1/`;

/** The versions capture.sh ran on (their folder has its exit-codes.txt), oldest first. */
export const CAPTURED_VERSIONS: string[] = readdirSync(FIXTURES).filter((v) => /^\d+\.\d+$/.test(v) && existsSync(`${FIXTURES}${v}/exit-codes.txt`)).sort();

export function readFixture(rel: string, ver = '2.1'): string {
  return readFileSync(`${FIXTURES}${ver}/${rel}`, 'utf8');
}

export function listFixtures(dir: string, ver = '2.1'): string[] {
  return readdirSync(`${FIXTURES}${ver}/${dir}`).sort();
}
