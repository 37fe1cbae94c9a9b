"""A webhook receiver for Parley: checks Parley-Signature before it trusts a byte (standard library only)."""
import hashlib
import hmac
import json
import os
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ["PARLEY_WEBHOOK_SECRET"].encode()   # shown once, by POST /_parley/webhooks
TOLERANCE = 300   # seconds; a test that freezes Parley's clock signs with the frozen time: skip the check there


def verify(body, header, now=None):
    """True when header (Parley-Signature: t=<unix seconds>,v1=<hex>) signs the raw body with SECRET, recently."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if not parts.get("t", "").isdigit():
        return False
    expected = hmac.new(SECRET, parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    fresh = abs((time.time() if now is None else now) - int(parts["t"])) <= TOLERANCE
    return fresh and hmac.compare_digest(expected, parts.get("v1", ""))


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))   # the bytes as sent: verify before parsing
        if not verify(body, self.headers.get("Parley-Signature", "")):
            self.send_response(401)
            self.end_headers()
            return
        event = json.loads(body)   # the envelope {id, type, createdAt, organizationUUID, data}, or the bare resource
        print(self.headers["Parley-Event-Type"], self.headers["Parley-Event-Id"], event.get("type"), flush=True)
        self.send_response(204)    # any 2xx is a delivery; a retry repeats Parley-Event-Id: deduplicate on it
        self.end_headers()


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8090"))), Receiver).serve_forever()
