// A node:test suite run against Parley: an organization per test, a frozen clock, a 503 on demand, the journal.
import { afterEach, beforeEach, test } from "node:test";
import assert from "node:assert/strict";

const PARLEY = process.env.PARLEY_URL ?? "http://127.0.0.1:8080";
const ADMIN = process.env.PARLEY_ADMIN_TOKEN; // parley serve --admin-token ... (make run prints one)

async function call(method, path, token, body) {
  const r = await fetch(PARLEY + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

let org; // a fresh organization for each test
beforeEach(async () => {
  const r = await call("POST", "/_parley/orgs", ADMIN, {});
  assert.equal(r.status, 201);
  org = r.body;
});
afterEach(async () => {
  await call("DELETE", "/_parley/clock", ADMIN);
  await call("DELETE", `/_parley/orgs/${org.organization.uuid}`, ADMIN);
});

test("an import is timed by the frozen clock", async () => {
  await call("PUT", "/_parley/clock", ADMIN, { now: "2024-03-18T10:00:00Z", frozen: true });
  const created = await call("POST", "/v2/conversations/import", org.key, {
    mediaURL: "https://example.com/call.mp4",
    userID: org.adminUser.uuid,
  });
  assert.equal(created.status, 200);
  const conv = await call("GET", `/v2/conversations/${created.body.uuid}`, org.key);
  assert.match(conv.body.attributes.createdAt, /^2024-03-18T10:00:00/);
});

test("the client retries a 503", async () => {
  const rule = await call("POST", "/_parley/faults", ADMIN, {
    match: { keyId: org.keyId, path: "/v2/conversations" }, // only this test's key
    respond: { status: 503 },
    times: 1,
  });
  assert.equal(rule.status, 201);
  const statuses = [];
  for (let attempt = 0; attempt < 3; attempt++) { // the retry loop of the client under test
    const r = await call("GET", "/v2/conversations", org.key);
    statuses.push(r.status);
    if (r.status !== 503) break;
  }
  assert.deepEqual(statuses, [503, 200]);
  const journal = await call("GET", `/_parley/requests?keyId=${org.keyId}`, ADMIN);
  assert.deepEqual(journal.body.data.map((e) => [e.status, e.fault]), [[200, null], [503, rule.body.id]]);
});
