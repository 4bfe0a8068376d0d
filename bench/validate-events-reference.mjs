// The minimal reference the issue measures msa against: read stream → split lines → JSON.parse →
// one compiled ajv validator (with ajv-formats, full mode). Prints "valid invalid".
// usage: node bench/validate-events-reference.mjs SCHEMA.json EVENTS.ndjson
import fs from "node:fs";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";

const addFormats = addFormatsModule.default ?? addFormatsModule;
const [schemaFile, eventsFile] = process.argv.slice(2);
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, "utf8")));
let valid = 0;
let invalid = 0;
let rest = "";
for await (const chunk of fs.createReadStream(eventsFile, { encoding: "utf8", highWaterMark: 1 << 20 })) {
  const lines = (rest + chunk).split("\n");
  rest = lines.pop() ?? "";
  for (const line of lines) {
    if (!line) continue;
    if (validate(JSON.parse(line))) valid++;
    else invalid++;
  }
}
if (rest) validate(JSON.parse(rest)) ? valid++ : invalid++;
console.log(`${valid} ${invalid}`);
