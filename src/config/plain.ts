// Defensive reads of the raw (possibly schema-invalid) config value, for the semantic checks.

export type Plain = Record<string, unknown>;

export function asObject(v: unknown): Plain | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Plain) : undefined;
}

export function asArray(v: unknown): unknown[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** `obj[key]` when obj is a mapping. */
export function field(obj: unknown, key: string): unknown {
  return asObject(obj)?.[key];
}

/** A `host` key's value, or "local" when absent. */
export function hostOf(side: unknown): string | undefined {
  const h = field(side, 'host');
  return h === undefined ? 'local' : asString(h);
}
