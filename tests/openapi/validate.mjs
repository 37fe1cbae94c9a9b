// validate.mjs - validates OpenAPI documents (the files named as arguments) against the official
// OpenAPI JSON schemas with @seriousme/openapi-schema-validator, in one Node process. Prints one JSON
// line per file, {"file", "valid", "version", "errors"}; exits 1 when any is invalid, 2 on misuse.
import { Validator } from "@seriousme/openapi-schema-validator";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs FILE...");
  process.exit(2);
}
let invalid = 0;
for (const file of files) {
  const validator = new Validator();
  const res = await validator.validate(file);
  if (!res.valid) invalid++;
  console.log(JSON.stringify({ file, valid: res.valid, version: validator.version, errors: res.errors ?? null }));
}
process.exit(invalid ? 1 : 0);
