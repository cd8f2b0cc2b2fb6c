// The one way zform compiles the regular expressions of the config: RE2 syntax and linear-time matching (re2js, a
// port of Go's RE2, the engine zrepl's regexes use), so that no snapshot name can make a match take long.
import { RE2JS } from 're2js';
import { ConfigValueError } from './value-error.js';

/** A compiled config regex: matches anywhere in the name unless anchored, in time linear in the name. */
export interface ConfigRegex {
  readonly source: string;
  test(name: string): boolean;
}

/** Regexes compiled before, by source: the config check and the planner compile the same few (a compiled regex is a
 *  pure function of its source). Bounded like each regex's own memo. */
const compiledBySource = new Map<string, ConfigRegex>();

/** Compiles `source` (once per source); throws ConfigValueError with RE2's reason (backreferences and lookaround are
 *  not RE2). */
export function compileRegex(source: string): ConfigRegex {
  let done = compiledBySource.get(source);
  if (done === undefined) {
    done = compileRegexNow(source);
    if (compiledBySource.size >= 256) compiledBySource.clear();
    compiledBySource.set(source, done);
  }
  return done;
}

/** A pattern of letters, digits, `_`, `-` and `:` alone, anchored or not at either end: RE2 reads every one of those
 *  characters as itself (`^` and `$` as the text's start and end: no multi-line flag), so string comparison gives
 *  RE2's answers without the engine (in the bundle re2js loads on the first other pattern: ~5 ms of a short run).
 *  Config regexes are mostly such prefixes: `^zform_`, zrepl's `^zrepl_`. */
const LITERAL = /^(\^?)([A-Za-z0-9_:-]*)(\$?)$/;

function compileLiteral(source: string): ConfigRegex | null {
  const m = LITERAL.exec(source);
  if (m === null) return null;
  const [, start, text, end] = m as unknown as [string, string, string, string];
  const test = start && end ? (name: string) => name === text
    : start ? (name: string) => name.startsWith(text)
    : end ? (name: string) => name.endsWith(text)
    : (name: string) => name.includes(text);
  return { source, test };
}

function compileRegexNow(source: string): ConfigRegex {
  const literal = compileLiteral(source);
  if (literal !== null) return literal;
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    // re2js: "error parsing regexp: missing closing ): `zform_(`"
    const reason = msg.replace(/^error parsing regexp: /, '');
    const hint = /invalid escape sequence|unsupported Perl syntax/.test(reason) ? ' (RE2 syntax: no backreferences or lookaround)' : '';
    throw new ConfigValueError(`invalid regular expression "${source}": ${reason}${hint}`);
  }
  // Snapshot names repeat across datasets (one atomic `zfs snapshot` per pool): each distinct name is matched once.
  // The memo is bounded (cleared when full), so a listing of millions of distinct names costs no more than before.
  const memo = new Map<string, boolean>();
  return {
    source,
    test: (name) => {
      let m = memo.get(name);
      if (m === undefined) {
        if (memo.size >= MEMO_LIMIT) memo.clear();
        memo.set(name, (m = re.test(name)));
      }
      return m;
    },
  };
}

const MEMO_LIMIT = 65536;
