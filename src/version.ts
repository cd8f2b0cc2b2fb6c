// zform's own version, read from package.json once.
import { readFileSync } from 'node:fs';
import { packageFile } from './paths.js';

const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string };
export const ZFORM_VERSION: string = pkg.version;
