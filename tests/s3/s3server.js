// s3server.js - the S3-compatible server of Parley's media tests (and `make test`): s3rver on a loopback port.
// Usage: node s3server.js DIRECTORY [PORT]   (PORT 0 or none: a free port)
// Prints "listening on http://127.0.0.1:PORT" once it accepts requests; runs until SIGTERM or SIGINT.
// Credentials: access key id S3RVER, secret S3RVER (s3rver's built-in account); requests with an
// Authorization header must carry a valid SigV4 signature (anonymous ones are allowed, as s3rver does).
// Buckets are made by the clients (an anonymous PUT /BUCKET), one per test, so tests may share a server.
"use strict";
const fs = require("node:fs");
const S3rver = require("@20minutes/s3rver");

const dir = process.argv[2];
const port = Number(process.argv[3] || 0);
if (!dir || !Number.isInteger(port) || port < 0 || port > 65535) {
  console.error("usage: node s3server.js DIRECTORY [PORT]");
  process.exit(2);
}
fs.mkdirSync(dir, { recursive: true });
const server = new S3rver({ directory: dir, address: "127.0.0.1", port, silent: true });
server.run().then(
  (addr) => console.error(`listening on http://127.0.0.1:${addr.port}`),
  (err) => {
    console.error(`s3server: ${err.message}`);
    process.exit(1);
  },
);
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => server.close().then(() => process.exit(0), () => process.exit(0)));
}
