// zform's own version, read from package.json once.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
export const ZFORM_VERSION: string = pkg.version;
