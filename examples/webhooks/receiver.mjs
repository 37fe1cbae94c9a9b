// A webhook receiver for Parley: checks Parley-Signature before it trusts a byte (Node 18 or later, no packages).
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

const SECRET = process.env.PARLEY_WEBHOOK_SECRET; // shown once, by POST /_parley/webhooks
const TOLERANCE = 300; // seconds; a test that freezes Parley's clock signs with the frozen time: skip the check there

// True when header (Parley-Signature: t=<unix seconds>,v1=<hex>) signs the raw body with SECRET, recently.
export function verify(body, header, now = Date.now() / 1000) {
  const parts = Object.fromEntries(header.split(",").map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
  if (!/^[0-9]+$/.test(parts.t ?? "") || Math.abs(now - Number(parts.t)) > TOLERANCE) return false;
  const expected = createHmac("sha256", SECRET).update(`${parts.t}.`).update(body).digest();
  const given = Buffer.from(parts.v1 ?? "", "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks); // the bytes as sent: verify before parsing
    if (!verify(body, req.headers["parley-signature"] ?? "")) {
      res.writeHead(401).end();
      return;
    }
    const event = JSON.parse(body); // the envelope {id, type, createdAt, organizationUUID, data}, or the bare resource
    console.log(req.headers["parley-event-type"], req.headers["parley-event-id"], event.type);
    res.writeHead(204).end(); // any 2xx is a delivery; a retry repeats Parley-Event-Id: deduplicate on it
  });
}).listen(Number(process.env.PORT ?? 8090), "127.0.0.1");
