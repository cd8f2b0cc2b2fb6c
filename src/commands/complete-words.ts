// What a TAB completes, beyond yargs' defaults: an option's value (the config's job names for --job, the
// choices of --log-format/--log-level, also written --flag=VALUE, which bash splits at "="), nothing for a
// file-valued option (so that the shell offers file names), and no "--c"/"--v" (yargs' aliases with "--").
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { LOG_FORMATS, LOG_LEVELS } from '../obs/log-format.js';
import { DEFAULT_CONFIG_PATH } from '../config/default-path.js';

/** Options that take a value, and what completes it: a list, 'jobs' (the config's), or 'file' (the shell's). */
const VALUE_OPTIONS: Record<string, readonly string[] | 'jobs' | 'file'> = {
  '--job': 'jobs',
  '--log-format': LOG_FORMATS,
  '--log-level': LOG_LEVELS,
  '--config': 'file',
  '-c': 'file',
  '--out': 'file',
  '--metrics-file': 'file',
  '--trace': 'file',
  '--lag-threshold': [],
};

/** The completions of an option's value at the cursor, or null when the cursor is not on one (then yargs answers).
 *  `words`: what the shell passed, the command name first, the word at the cursor last. `jobNames`: the config's. */
export async function computeOptionValues(words: string[], jobNames: () => Promise<string[]>): Promise<string[] | null> {
  const current = words[words.length - 1] ?? '';
  const prev = words[words.length - 2] ?? '';
  const values = async (option: string): Promise<string[] | null> => {
    const kind = VALUE_OPTIONS[option];
    if (kind === undefined) return null;
    if (kind === 'file') return [];
    return kind === 'jobs' ? jobNames() : [...kind];
  };
  // --log-format=<TAB> in one word (zsh, or bash without "=" in COMP_WORDBREAKS): complete the whole word
  const joined = /^(--[\w-]+)=(.*)$/.exec(current);
  if (joined) {
    const v = await values(joined[1]!);
    if (v !== null) return v.filter((x) => x.startsWith(joined[2]!)).map((x) => `${joined[1]}=${x}`);
  }
  // bash splits "--log-format=" into "--log-format" "=" "": the value alone
  const option = prev === '=' ? words[words.length - 3] ?? '' : prev;
  if (!option.startsWith('-')) return null;
  const v = await values(option);
  return v === null ? null : v.filter((x) => x.startsWith(current));
}

/** computeOptionValues with the job names of the config the words (or the environment) name. */
export function computeValueCompletions(words: string[], env: NodeJS.ProcessEnv): Promise<string[] | null> {
  return computeOptionValues(words, () => readJobNames(computeConfigPath(words, env)));
}

/** yargs' completion output without its "--c", "--v" (one-letter aliases written as long options). Pure. */
export function filterDefaultCompletions(output: string): string {
  return output.split('\n').filter((l) => !/^--[^-:](:|$)/.test(l)).join('\n');
}

/** The config file the words name (-c/--config FILE or --config=FILE), else $ZFORM_CONFIG, else the default. */
export function computeConfigPath(words: string[], env: NodeJS.ProcessEnv): string {
  for (let i = words.length - 2; i >= 0; i--) {
    const w = words[i]!;
    if ((w === '-c' || w === '--config') && i + 1 < words.length - 1) return words[i + 1]!;
    if (w.startsWith('--config=')) return w.slice('--config='.length);
  }
  return env.ZFORM_CONFIG || DEFAULT_CONFIG_PATH;
}

/** The job names in a config file, without validating it (a TAB must be quick, and works on a config being
 *  written); none when it cannot be read or parsed. */
export async function readJobNames(file: string): Promise<string[]> {
  try {
    const doc = parse(await readFile(file, 'utf8')) as { jobs?: { name?: unknown }[] } | null;
    return (Array.isArray(doc?.jobs) ? doc.jobs : []).map((j) => j?.name).filter((n): n is string => typeof n === 'string');
  } catch {
    return [];
  }
}
