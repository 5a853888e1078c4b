// Runs every case of a cases.json file through the AWS SDK for JavaScript against an endpoint and prints
// one JSON line per case ({name, operation, ok, output | error}). The same interface as the C side's
// `ec2-conformance-ops <endpoint-url> <cases.json>`, so both clients can be driven by one harness.
// Usage: node sdk_ops.mjs <endpoint-url> <cases.json>; exit 0 once every case ran, 2 on bad usage.

import { readFileSync } from "node:fs";
import { makeClient, runCase } from "./sdk_lib.mjs";

const [endpoint, casesPath] = process.argv.slice(2);
if (!endpoint || !casesPath) {
  process.stderr.write("usage: node sdk_ops.mjs <endpoint-url> <cases.json>\n");
  process.exit(2);
}
const cases = JSON.parse(readFileSync(casesPath, "utf8"));
if (!Array.isArray(cases)) {
  process.stderr.write(`${casesPath}: expected a JSON array of cases\n`);
  process.exit(2);
}
const client = makeClient(endpoint);
for (const c of cases) {
  process.stdout.write(JSON.stringify(await runCase(client, c)) + "\n");
}
