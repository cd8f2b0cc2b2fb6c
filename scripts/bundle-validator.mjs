// Injected into the bundle (scripts/bundle.mjs): the config validator the build generated, loaded on first use.
export function __zformConfigValidator() {
  return require('../dist/src/config/config-validator.cjs');
}
