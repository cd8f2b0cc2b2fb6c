// Dataset path helpers: parents, subtrees, pools and the parents-first order.
import type { VersionRef } from './types.js';

/** `fs@snap` or `fs#bookmark` */
export function fullName(ref: VersionRef): string {
  return `${ref.dataset}${ref.kind === 'snapshot' ? '@' : '#'}${ref.name}`;
}

/** The parent dataset, or null for a pool. */
export function parentOf(dataset: string): string | null {
  const i = dataset.lastIndexOf('/');
  return i < 0 ? null : dataset.slice(0, i);
}

/** `path` equals `prefix` or lies below it (component-wise). */
export function isWithin(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(prefix + '/');
}

export function poolOf(dataset: string): string {
  const i = dataset.indexOf('/');
  return i < 0 ? dataset : dataset.slice(0, i);
}

/** Component-wise order: a parent sorts right before its children ("" first). */
export function comparePaths(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return -1;
  if (b === '') return 1;
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  }
  return x.length - y.length;
}

/** Datasets from `top` (inclusive) down to `dataset`'s parent, top first; [] when dataset is top. */
export function ancestorsBetween(top: string, dataset: string): string[] {
  const out: string[] = [];
  for (let p = parentOf(dataset); p !== null && isWithin(p, top); p = parentOf(p)) out.unshift(p);
  return out;
}
