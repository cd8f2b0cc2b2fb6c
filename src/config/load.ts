// Placeholder until the config loader lands.
import type { Config } from './types.js';
export async function loadConfig(file: string): Promise<Config> { throw new Error('not yet: ' + file); }
