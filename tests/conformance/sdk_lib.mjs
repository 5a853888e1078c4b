// Shared helpers for the conformance tests: start the local EC2 emulator, talk to its admin API, and run
// one case (operation name + SDK v3 input) through the official AWS SDK for JavaScript. The SDK is the
// reference for what EC2 requests and responses look like; the emulator and our C client are checked
// against it.

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as EC2 from "@aws-sdk/client-ec2";

const here = path.dirname(fileURLToPath(import.meta.url));

export const CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
export const REGION = "us-east-1";

// Input members the SDK wants as Date objects; cases.json carries them as ISO-8601 strings.
const TIMESTAMP_MEMBERS = new Set(["DeprecateAt"]);

export function reviveInput(value) {
  if (Array.isArray(value)) return value.map(reviveInput);
  if (value === null || typeof value !== "object") return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = TIMESTAMP_MEMBERS.has(k) && typeof v === "string" ? new Date(v) : reviveInput(v);
  }
  return out;
}

export function makeClient(endpoint, extra = {}) {
  // One attempt: a retry would add a second request to the emulator's log and hide the first outcome.
  return new EC2.EC2Client({ endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1, ...extra });
}

export function commandFor(operation, input) {
  const Ctor = EC2[`${operation}Command`];
  if (typeof Ctor !== "function") throw new Error(`unknown EC2 operation ${operation}`);
  return new Ctor(reviveInput(input));
}

// Runs one case; never throws for service errors: returns a plain, JSON-ready result.
export async function runCase(client, c) {
  try {
    const out = await client.send(commandFor(c.operation, c.input));
    const { $metadata, ...output } = out;
    return { name: c.name, operation: c.operation, ok: true, output };
  } catch (e) {
    if (!e.$metadata) throw e;
    return {
      name: c.name,
      operation: c.operation,
      ok: false,
      error: { code: e.name, message: e.message, status: e.$metadata.httpStatusCode },
    };
  }
}

export function startEmulator(args = []) {
  const python = process.env.TF_PYTHON || "/usr/bin/python3";
  const script = path.join(here, "..", "ec2emu", "ec2emu.py");
  const proc = spawn(python, [script, "--port", "0", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout });
    rl.once("line", (url) => resolve({ url: url.trim(), stop: () => proc.kill("SIGTERM") }));
    proc.once("exit", (code) => reject(new Error(`emulator exited early with code ${code}`)));
  });
}

export async function admin(url, method, route, body) {
  const res = await fetch(new URL(`_emu/${route}`, url), {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json();
  if (!res.ok) throw new Error(`admin ${method} ${route}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}
