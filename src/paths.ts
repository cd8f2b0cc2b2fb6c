// Where zform's own files are: the package root, two levels above both dist/src/ and the bundle in dist/bundle/.
export const PACKAGE_ROOT = new URL('../../', import.meta.url);

/** A file of the package, by its path from the package root (e.g. "schemas/plan.schema.json"). */
export function packageFile(path: string): URL {
  return new URL(path, PACKAGE_ROOT);
}
