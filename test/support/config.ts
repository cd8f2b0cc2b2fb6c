// Helpers for the config tests: YAML from lines, and the formatted issues of a config text.
import { ConfigError, formatConfigIssue } from '../../src/errors.js';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';

export const FILE = 'zform.yml';

/** The lines joined as a file (with a final newline). */
export function y(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

/** Every issue of `text` as `FILE:LINE:COL: path: message`; fails when the config is valid. */
export function issuesOf(text: string): string[] {
  try {
    parseConfig(text, FILE);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map(formatConfigIssue);
    throw err;
  }
  throw new Error('expected the config to be invalid');
}

export function parse(text: string): Config {
  return parseConfig(text, FILE);
}
