"""A pytest suite run against Parley: an organization per test, a frozen clock, a 503 on demand, the journal."""
import json
import os
import urllib.error
import urllib.request

import pytest

PARLEY = os.environ.get("PARLEY_URL", "http://127.0.0.1:8080")
ADMIN = os.environ["PARLEY_ADMIN_TOKEN"]   # parley serve --admin-token ... (make run prints one)


def call(method, path, token, body=None):
    """One request; returns (status, parsed JSON body or None)."""
    req = urllib.request.Request(
        PARLEY + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, json.loads(raw) if raw else None


@pytest.fixture
def org():
    """A fresh organization (with its org-level key) for each test, gone afterwards."""
    status, created = call("POST", "/_parley/orgs", ADMIN, {})
    assert status == 201
    yield created
    call("DELETE", "/_parley/orgs/" + created["organization"]["uuid"], ADMIN)


@pytest.fixture
def frozen_clock():
    call("PUT", "/_parley/clock", ADMIN, {"now": "2024-03-18T10:00:00Z", "frozen": True})
    yield
    call("DELETE", "/_parley/clock", ADMIN)


def test_import_is_timed_by_the_frozen_clock(org, frozen_clock):
    status, created = call("POST", "/v2/conversations/import", org["key"],
                           {"mediaURL": "https://example.com/call.mp4", "userID": org["adminUser"]["uuid"]})
    assert status == 200
    status, conv = call("GET", "/v2/conversations/" + created["uuid"], org["key"])
    assert status == 200
    assert conv["attributes"]["createdAt"].startswith("2024-03-18T10:00:00")


def test_the_client_retries_a_503(org):
    # only this test's key is faulted, so tests may run in parallel
    status, rule = call("POST", "/_parley/faults", ADMIN,
                        {"match": {"keyId": org["keyId"], "path": "/v2/conversations"},
                         "respond": {"status": 503}, "times": 1})
    assert status == 201
    statuses = []
    for _attempt in range(3):   # the retry loop of the client under test
        status, _ = call("GET", "/v2/conversations", org["key"])
        statuses.append(status)
        if status != 503:
            break
    assert statuses == [503, 200]
    # what the client really sent, newest first
    status, journal = call("GET", "/_parley/requests?keyId=" + org["keyId"], ADMIN)
    assert [(e["status"], e["fault"]) for e in journal["data"]] == [(200, None), (503, rule["id"])]
