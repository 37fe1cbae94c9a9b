// load.mjs - fills (or resets) the Node baseline's database from `parley export` (bench/run.sh).
//
// usage: parley export --org ORG --include-archived | node load.mjs load DB
//          creates DB (WAL) with one table (id TEXT PRIMARY KEY, doc TEXT) and inserts every line's
//          `conversation` member, keyed by its id, in one transaction through one prepared statement.
//          The doc is the member's exact text (the bytes of Parley's GET): the line is
//          {"conversation":<text>,"stored":...}, and the text is cut at the first ,"stored": that leaves a
//          complete JSON value (checked with JSON.parse; otherwise the member is re-serialized).
//        node load.mjs reset DB IDFILE...
//          undoes the server's archives of the ids listed (one a line): archived back to false and
//          archivedAt removed, the exact inverse of server.mjs's change; prints how many it undid.
//        node load.mjs count-archived DB IDFILE...
//          prints how many of the listed ids are archived (the rows a run really changed).
import fs from 'node:fs';
import readline from 'node:readline';
import Database from 'better-sqlite3';

const [cmd, dbPath, ...files] = process.argv.slice(2);
const HEAD = '{"conversation":';

function ids() {
  const out = [];
  for (const f of files)
    for (const l of fs.readFileSync(f, 'utf8').split('\n')) if (l) out.push(l);
  return out;
}

function docOf(line) {
  if (!line.startsWith(HEAD)) throw new Error('not a parley export line');
  const cut = line.indexOf(',"stored":');
  if (cut > 0) {
    const text = line.slice(HEAD.length, cut);
    try {
      const doc = JSON.parse(text);
      if (doc && typeof doc.id === 'string') return [doc.id, text];
    } catch { /* a "stored" key inside the conversation: fall through */ }
  }
  const c = JSON.parse(line).conversation;
  return [c.id, JSON.stringify(c)];
}

async function load() {
  fs.rmSync(dbPath, { force: true });
  fs.rmSync(dbPath + '-wal', { force: true });
  fs.rmSync(dbPath + '-shm', { force: true });
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE conversations (id TEXT PRIMARY KEY, doc TEXT NOT NULL)');
  const ins = db.prepare('INSERT INTO conversations (id, doc) VALUES (?, ?)');
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  let n = 0;
  db.exec('BEGIN');
  for await (const line of rl) {
    if (!line) continue;
    const [id, text] = docOf(line);
    ins.run(id, text);
    n++;
  }
  db.exec('COMMIT');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  console.error(`node baseline: loaded ${n} conversations into ${dbPath}`);
}

function reset() {
  const db = new Database(dbPath, { fileMustExist: true, timeout: 10000 });
  const get = db.prepare('SELECT doc FROM conversations WHERE id = ?').pluck();
  const set = db.prepare('UPDATE conversations SET doc = ? WHERE id = ?');
  let n = 0;
  db.transaction(() => {
    for (const id of ids()) {
      const text = get.get(id);
      if (text === undefined) continue;
      const doc = JSON.parse(text);
      if (doc.attributes.archived !== true || doc.attributes.archivedAt === undefined) continue;
      doc.attributes.archived = false;
      delete doc.attributes.archivedAt;
      set.run(JSON.stringify(doc), id);
      n++;
    }
  }).immediate();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  console.log(n);
}

function countArchived() {
  const db = new Database(dbPath, { fileMustExist: true, readonly: true });
  const get = db.prepare('SELECT doc FROM conversations WHERE id = ?').pluck();
  let n = 0;
  for (const id of new Set(ids())) {
    const text = get.get(id);
    if (text !== undefined && JSON.parse(text).attributes.archived === true) n++;
  }
  db.close();
  console.log(n);
}

if (cmd === 'load' && dbPath) await load();
else if (cmd === 'reset' && dbPath) reset();
else if (cmd === 'count-archived' && dbPath) countArchived();
else {
  console.error('usage: node load.mjs load DB < export.jsonl | reset DB IDFILE... | count-archived DB IDFILE...');
  process.exit(2);
}
