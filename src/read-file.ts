// Reads a whole file through node:fs' callback API: the modules that load at every run (the config's, the SSH ones)
// read files with this, because node:fs/promises would load node's readline with it (~2 ms of a short run).
import { readFile } from 'node:fs';
import { promisify } from 'node:util';

export const readFileAsync = promisify(readFile);
