// The config validator compiled ahead of time: ajv standalone code, written into dist at build (npm run build).
// Run as `node dist/src/config/schema-code.js` to (re)write it; src/config/schema.ts loads it.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';
import { CONFIG_AJV_OPTIONS, CONFIG_SCHEMA_URL, CONFIG_VALIDATOR_URL, computeSchemaHash } from './schema.js';
export { CONFIG_VALIDATOR_URL };


/** The CommonJS source of the validator for this schema text: exports the function and `schemaHash`. */
export function computeValidatorCode(schemaText: string): string {
  const standaloneCode = standaloneModule.default;
  const ajv = new Ajv({ ...CONFIG_AJV_OPTIONS, code: { source: true } });
  const validate = ajv.compile(JSON.parse(schemaText) as object);
  return `${standaloneCode(ajv, validate)}\nmodule.exports.schemaHash = ${JSON.stringify(computeSchemaHash(schemaText))};\n`;
}

/** Writes the generated validator for the shipped schema. */
export function writeConfigValidator(): void {
  writeFileSync(CONFIG_VALIDATOR_URL, computeValidatorCode(readFileSync(CONFIG_SCHEMA_URL, 'utf8')));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) writeConfigValidator();
