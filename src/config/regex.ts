// The one way zform compiles the regular expressions of the config (JavaScript syntax, no flags).
import { ConfigValueError } from './value-error.js';

/** Compiles `source`; throws ConfigValueError with the engine's reason. */
export function compileRegex(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    // V8: "Invalid regular expression: /(/: Unterminated group"
    const reason = msg.startsWith('Invalid regular expression: ') ? msg.slice(msg.lastIndexOf(': ') + 2) : msg;
    throw new ConfigValueError(`invalid regular expression "${source}": ${reason}`);
  }
}
