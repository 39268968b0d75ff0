// Independent checks of the FHIR documents in DIR: ajv 6 on HL7's whole R4 schema, and FHIR.js.
const fs = require('fs'), path = require('path');
const Ajv = require('ajv');
const dir = process.argv[2];
const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '../../tests/data/fhir/fhir.schema.json')));
const ajv = new Ajv({ logger: false, allErrors: true });
ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-06.json'));
const validate = ajv.compile(schema);
const { Fhir } = require('fhir');
const fhir = new Fhir();
let bad = 0, n = 0;
for (const f of fs.readdirSync(dir).filter(f => f.endsWith('.json')).sort()) {
  const doc = JSON.parse(fs.readFileSync(path.join(dir, f)));
  n++;
  if (!validate(doc)) { bad++; console.log(f, 'ajv:', JSON.stringify(validate.errors.slice(0, 3))); }
  const r = fhir.validate(doc, {});
  const errs = r.messages.filter(m => m.severity === 'error');
  if (!r.valid || errs.length) { bad++; console.log(f, 'FHIR.js:', JSON.stringify(r.messages.slice(0, 5))); }
  const warns = r.messages.filter(m => m.severity !== 'error');
  if (warns.length) console.log(f, 'FHIR.js notes:', JSON.stringify(warns.slice(0, 3)));
}
console.log(n + ' documents; ' + bad + ' rejections (ajv on the whole R4 schema, FHIR.js R4 profiles)');
