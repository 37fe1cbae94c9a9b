// server.mjs - the Node baseline of bench/run.sh: node:http + better-sqlite3 serving the same conversations as Parley.
//
// usage: node server.mjs DB PORT [WORKERS]
//
// One table (id TEXT PRIMARY KEY, doc TEXT) filled by load.mjs from `parley export`; WAL, synchronous=FULL,
// prepared statements, no authentication (issue 15's baseline, exactly):
//   GET    /v2/conversations/{id}  200 with the stored text (the bytes Parley's GET returned at export), 404
//   DELETE /v2/conversations/{id}  archive: one IMMEDIATE transaction that reads the doc, JSON.parse,
//                                  sets attributes.archived = true and attributes.archivedAt (RFC 3339,
//                                  seconds, as Parley), JSON.stringify, UPDATE; 200 with the new text.
//                                  Archiving an archived conversation changes nothing (as Parley).
// WORKERS (default: the number of cores, as Parley's --threads) processes of node:cluster share the
// listening socket; each has its own connection to the same SQLite file (WAL lets the readers run
// beside the one writer; a writer waits up to 10 s for the lock).
import cluster from 'node:cluster';
import http from 'node:http';
import os from 'node:os';
import Database from 'better-sqlite3';

const [dbPath, portArg, workersArg] = process.argv.slice(2);
if (!dbPath || !portArg) {
  console.error('usage: node server.mjs DB PORT [WORKERS]');
  process.exit(2);
}
const port = Number(portArg);
const workers = Number(workersArg || os.availableParallelism());

if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  let stopping = false;
  cluster.on('exit', (w, code, sig) => {
    if (!stopping) {
      console.error(`node baseline: worker ${w.process.pid} exited (${code ?? sig})`);
      process.exit(1);
    }
  });
  const stop = () => {
    stopping = true;
    for (const id in cluster.workers) cluster.workers[id].process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 200).unref();
    cluster.disconnect(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  serve();
}

function serve() {
  if (cluster.isWorker) {
    // the primary may be gone first at shutdown: a connection it was still handing over is dropped
    cluster.worker.on('error', () => {});
    process.on('disconnect', () => process.exit(0));
  }
  const db = new Database(dbPath, { fileMustExist: true, timeout: 10000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('cache_size = -8192'); // 8 MiB, as each of Parley's connections
  const getDoc = db.prepare('SELECT doc FROM conversations WHERE id = ?').pluck();
  const setDoc = db.prepare('UPDATE conversations SET doc = ? WHERE id = ?');
  const archiveTx = db.transaction((id) => {
    const text = getDoc.get(id);
    if (text === undefined) return undefined;
    const doc = JSON.parse(text);
    if (doc.attributes.archived === true) return text;
    doc.attributes.archived = true;
    doc.attributes.archivedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const out = JSON.stringify(doc);
    setDoc.run(out, id);
    return out;
  });
  const PREFIX = '/v2/conversations/';
  const JSON_TYPE = 'application/json; charset=utf-8';
  const NOT_FOUND = '{"status":404,"title":"Not Found"}';

  function send(res, status, body) {
    res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  const server = http.createServer((req, res) => {
    const url = req.url;
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (!path.startsWith(PREFIX) || path.indexOf('/', PREFIX.length) >= 0) return send(res, 404, NOT_FOUND);
    const id = path.slice(PREFIX.length);
    try {
      if (req.method === 'GET') {
        const text = getDoc.get(id);
        return text === undefined ? send(res, 404, NOT_FOUND) : send(res, 200, text);
      }
      if (req.method === 'DELETE') {
        const text = archiveTx.immediate(id);
        return text === undefined ? send(res, 404, NOT_FOUND) : send(res, 200, text);
      }
      res.setHeader('Allow', 'GET, DELETE');
      return send(res, 405, '{"status":405,"title":"Method Not Allowed"}');
    } catch (e) {
      console.error('node baseline:', e.message);
      return send(res, 500, '{"status":500,"title":"Internal Server Error"}');
    }
  });
  server.keepAliveTimeout = 120000;
  server.headersTimeout = 125000;
  server.requestTimeout = 0;
  server.listen(port, '127.0.0.1');
  const stop = () => {
    server.close(() => { db.close(); process.exit(0); });
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
