// receiver.mjs - the webhook benchmark's fast loopback receiver (node:http, no packages): answers every
// POST /hook 204 at once, or holds them while paused; counts what arrives.
//   node receiver.mjs PORT
//   POST /pause             hold every delivery unanswered from now on (a backlog builds up behind the first)
//   POST /release           answer the held ones and every later one at once; restarts the counts
//   GET  /stats             {"count", "firstMs", "lastMs", "releasedMs"}: deliveries since the last release
//                           (or the start), with the wall-clock times of the first and last (ms)
import { createServer } from "node:http";

const port = Number(process.argv[2] ?? 18084);
let paused = false;
let held = [];
let count = 0, firstMs = 0, lastMs = 0, releasedMs = 0;

function answer(res) {
  res.writeHead(204).end();
}

createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    if (req.method === "POST" && req.url === "/hook") {
      const now = Date.now();
      count++;
      if (!firstMs) firstMs = now;
      lastMs = now;
      if (paused) held.push(res);
      else answer(res);
      return;
    }
    if (req.method === "POST" && req.url === "/pause") {
      paused = true;
    } else if (req.method === "POST" && req.url === "/release") {
      paused = false;
      count = firstMs = lastMs = 0;
      releasedMs = Date.now();
      for (const r of held) answer(r);
      held = [];
    } else if (req.method !== "GET" || req.url !== "/stats") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ count, firstMs, lastMs, releasedMs }));
  });
}).listen(port, "127.0.0.1");
