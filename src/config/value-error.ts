// The error the config value parsers (durations, sizes, grids, filters) throw: one line, no place;
// the validator adds file:line:column and the key path.
import { ZformError } from '../errors.js';

export class ConfigValueError extends ZformError {
  constructor(message: string) {
    super('config', message);
    this.name = 'ConfigValueError';
  }
}

/** The message of a ConfigValueError thrown by `fn`, or null when it returns normally. */
export function valueErrorOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (err instanceof ConfigValueError) return err.shortMessage;
    throw err;
  }
}
