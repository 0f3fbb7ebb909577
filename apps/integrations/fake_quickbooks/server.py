"""A fake QuickBooks Online, speaking the REST shapes AdvisorOS uses, for tests, benchmarks
and `make run` (no internet here, and no test should touch a real company).

What it does like QuickBooks (see FIELD-NOTES and Intuit's API reference):
- OAuth 2.0: `/connect/oauth2` authorizes at once and redirects with code, state and
  realmId; `/oauth2/v1/tokens/bearer` exchanges a code (single use) or a refresh token
  (rotated: the previous one stops working) for a bearer token that expires;
  `/v2/oauth2/tokens/revoke` revokes.
- `/v3/company/<realm>/query?query=select * from Invoice [where MetaData.LastUpdatedTime
  >= '...'] STARTPOSITION n MAXRESULTS m` (at most 1,000), and `select count(*)`.
- `/v3/company/<realm>/cdc?entities=A,B&changedSince=...`: at most 1,000 objects per entity,
  deleted ones as `{"Id", "status": "Deleted"}`, refused for a date older than 30 days.
- 401 for a missing or expired token; 429 when a company exceeds 500 requests a minute or
  10 at once; 403 for a deleted company; 5xx and malformed bodies on demand.
- Webhooks signed like Intuit's: base64 HMAC-SHA256 of the body under the verifier token in
  the `intuit-signature` header.

Test controls live under `/_control/` and the counters there are what tests compare our
rate limiter against.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import re
import secrets
import threading
import time
import urllib.request
from collections import deque
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from apps.integrations.fake_quickbooks.company import ENTITIES, Company, generate_company

PER_MINUTE = 500
CONCURRENT = 10
MAX_RESULTS = 1000
CDC_MAX_AGE = timedelta(days=30)

_QUERY = re.compile(
    r"^\s*select\s+(?P<what>\*|count\(\*\))\s+from\s+(?P<entity>\w+)"
    r"(?:\s+where\s+MetaData\.LastUpdatedTime\s*>=\s*'(?P<since>[^']+)')?"
    r"(?:\s+orderby\s+[\w.]+(?:\s+(?:asc|desc))?)?"
    r"(?:\s+startposition\s+(?P<start>\d+))?(?:\s+maxresults\s+(?P<max>\d+))?\s*$",
    re.IGNORECASE)


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class RealmCounters:
    """What one company saw: the figures our limiter is judged by."""

    def __init__(self) -> None:
        self.requests = 0
        self.throttled = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.window: deque[float] = deque()
        self.max_per_minute = 0

    def as_dict(self) -> dict:
        return {"requests": self.requests, "throttled": self.throttled,
                "max_in_flight": self.max_in_flight, "max_per_minute": self.max_per_minute}


class FakeQuickBooksState:
    def __init__(self, *, client_id: str, client_secret: str, default_transactions: int = 600,
                 access_token_seconds: int = 3600) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.default_transactions = default_transactions
        self.access_token_seconds = access_token_seconds
        self.companies: dict[str, Company] = {}
        self.codes: dict[str, tuple[str, str]] = {}  # code -> (realm, redirect_uri)
        self.access: dict[str, tuple[str, float]] = {}  # token -> (realm, expires)
        self.refresh: dict[str, str] = {}  # token -> realm (only the newest is valid)
        self.counters: dict[str, RealmCounters] = {}
        self.error_rate: dict[str, float] = {}
        self.malformed_rate: dict[str, float] = {}
        self.deleted_realms: set[str] = set()
        self.webhook_url = ""
        self.verifier_token = ""
        self.lock = threading.Lock()

    def company(self, realm: str, transactions: int | None = None) -> Company:
        with self.lock:
            if realm not in self.companies:
                self.companies[realm] = generate_company(
                    realm, transactions=transactions or self.default_transactions,
                    seed=int(hashlib.sha256(realm.encode()).hexdigest()[:8], 16))
            return self.companies[realm]

    def counter(self, realm: str) -> RealmCounters:
        with self.lock:
            return self.counters.setdefault(realm, RealmCounters())

    def issue_tokens(self, realm: str) -> dict:
        access = secrets.token_urlsafe(24)
        refresh = secrets.token_urlsafe(24)
        with self.lock:
            for token, owner in list(self.refresh.items()):
                if owner == realm:
                    del self.refresh[token]  # rotation: only the newest works
            self.access[access] = (realm, time.monotonic() + self.access_token_seconds)
            self.refresh[refresh] = realm
        return {"token_type": "bearer", "access_token": access, "refresh_token": refresh,
                "expires_in": self.access_token_seconds,
                "x_refresh_token_expires_in": 100 * 24 * 3600}

    def revoke_realm(self, realm: str) -> None:
        with self.lock:
            for table in (self.refresh,):
                for token, owner in list(table.items()):
                    if owner == realm:
                        del table[token]
            for token, (owner, _) in list(self.access.items()):
                if owner == realm:
                    del self.access[token]


class _Handler(BaseHTTPRequestHandler):
    server: FakeQuickBooksServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        return  # quiet: tests read counters, not access logs

    # --- plumbing ------------------------------------------------------------------
    def _send(self, status: int, body: dict | str | bytes, headers: dict | None = None
              ) -> None:
        if isinstance(body, dict):
            raw = json.dumps(body).encode()
            content_type = "application/json"
        else:
            raw = body.encode() if isinstance(body, str) else body
            content_type = "application/json"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def _fault(self, status: int, kind: str, message: str, code: str) -> None:
        self._send(status, {"Fault": {"Error": [{"Message": message, "code": code}],
                                      "type": kind}})

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    @property
    def state(self) -> FakeQuickBooksState:
        return self.server.state

    # --- routing -------------------------------------------------------------------
    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/connect/oauth2":
            return self._authorize(parse_qs(url.query))
        if url.path == "/_control/stats":
            realm = parse_qs(url.query).get("realm", [""])[0]
            return self._send(200, self.state.counter(realm).as_dict())
        match = re.fullmatch(r"/v3/company/(\w+)/(query|cdc)", url.path)
        if match:
            return self._api(match.group(1), match.group(2), parse_qs(url.query))
        return self._send(404, {"error": "not found"})

    def do_POST(self):
        url = urlparse(self.path)
        body = self._body()
        if url.path == "/oauth2/v1/tokens/bearer":
            return self._token(parse_qs(body.decode()))
        if url.path == "/v2/oauth2/tokens/revoke":
            return self._revoke(json.loads(body or b"{}"))
        if url.path.startswith("/_control/"):
            return self._control(url.path.removeprefix("/_control/"), json.loads(body or b"{}"))
        return self._send(404, {"error": "not found"})

    # --- OAuth ---------------------------------------------------------------------
    def _authorize(self, query: dict) -> None:
        client_id = query.get("client_id", [""])[0]
        redirect_uri = query.get("redirect_uri", [""])[0]
        if client_id != self.state.client_id or not redirect_uri:
            return self._send(400, {"error": "invalid_client"})
        realm = query.get("realm_id", [""])[0] or str(random.randrange(10**15, 10**16))
        self.state.company(realm)
        code = secrets.token_urlsafe(16)
        with self.state.lock:
            self.state.codes[code] = (realm, redirect_uri)
        params = urlencode({"code": code, "state": query.get("state", [""])[0],
                            "realmId": realm})
        self._send(302, "", {"Location": f"{redirect_uri}?{params}"})

    def _client_ok(self) -> bool:
        header = self.headers.get("Authorization", "")
        expected = base64.b64encode(
            f"{self.state.client_id}:{self.state.client_secret}".encode()).decode()
        return hmac.compare_digest(header, f"Basic {expected}")

    def _token(self, form: dict) -> None:
        if not self._client_ok():
            return self._send(401, {"error": "invalid_client"})
        grant = form.get("grant_type", [""])[0]
        if grant == "authorization_code":
            with self.state.lock:
                found = self.state.codes.pop(form.get("code", [""])[0], None)
            if not found or found[1] != form.get("redirect_uri", [""])[0]:
                return self._send(400, {"error": "invalid_grant"})
            return self._send(200, self.state.issue_tokens(found[0]))
        if grant == "refresh_token":
            with self.state.lock:
                realm = self.state.refresh.get(form.get("refresh_token", [""])[0])
            if realm is None:
                return self._send(400, {"error": "invalid_grant"})
            return self._send(200, self.state.issue_tokens(realm))
        return self._send(400, {"error": "unsupported_grant_type"})

    def _revoke(self, body: dict) -> None:
        if not self._client_ok():
            return self._send(401, {"error": "invalid_client"})
        token = body.get("token", "")
        with self.state.lock:
            realm = self.state.refresh.get(token) or self.state.access.get(token, ("",))[0]
        if realm:
            self.state.revoke_realm(realm)
        self._send(200, {})

    # --- the accounting API --------------------------------------------------------
    def _api(self, realm: str, kind: str, query: dict) -> None:
        counter = self.state.counter(realm)
        now = time.monotonic()
        with self.state.lock:
            counter.requests += 1
            while counter.window and counter.window[0] <= now - 60:
                counter.window.popleft()
            if len(counter.window) >= PER_MINUTE or counter.in_flight >= CONCURRENT:
                counter.throttled += 1
                throttled = True
            else:
                throttled = False
                counter.window.append(now)
                counter.max_per_minute = max(counter.max_per_minute, len(counter.window))
                counter.in_flight += 1
                counter.max_in_flight = max(counter.max_in_flight, counter.in_flight)
                # Every company together: what the platform-wide cap is judged by.
                everyone = self.state.counters.setdefault("_all", RealmCounters())
                everyone.requests += 1
                while everyone.window and everyone.window[0] <= now - 60:
                    everyone.window.popleft()
                everyone.window.append(now)
                everyone.max_per_minute = max(everyone.max_per_minute, len(everyone.window))
        if throttled:
            retry = "1" if counter.in_flight >= CONCURRENT else "60"
            self._send(429, {"Fault": {"Error": [{"Message": "ThrottleExceeded",
                                                  "code": "003001"}], "type": "SERVICE"}},
                       {"Retry-After": retry})
            return
        try:
            self._api_answer(realm, kind, query)
        finally:
            with self.state.lock:
                counter.in_flight -= 1

    def _api_answer(self, realm: str, kind: str, query: dict) -> None:
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        with self.state.lock:
            owner, expires = self.state.access.get(token, ("", 0.0))
        if owner != realm or expires < time.monotonic():
            return self._fault(401, "AUTHENTICATION", "AuthenticationFailed", "3200")
        if realm in self.state.deleted_realms:
            return self._fault(403, "AUTHORIZATION", "ApplicationAuthorizationFailed", "3100")
        if self.server.latency:
            time.sleep(self.server.latency)
        if random.random() < self.state.error_rate.get(realm, 0.0):
            return self._send(503, {"Fault": {"Error": [{"Message": "Service unavailable",
                                                         "code": "10000"}],
                                              "type": "SystemFault"}})
        if random.random() < self.state.malformed_rate.get(realm, 0.0):
            return self._send(200, b'{"QueryResponse": {"Invoice": [{"SyncToken": ')
        company = self.state.company(realm)
        if kind == "query":
            return self._query(company, query.get("query", [""])[0])
        return self._cdc(company, query)

    def _query(self, company: Company, text: str) -> None:
        match = _QUERY.match(text)
        entity = match.group("entity") if match else ""
        if not match or entity not in ENTITIES:
            return self._fault(400, "ValidationFault", f"QueryParserError: {text[:80]}", "4000")
        rows = sorted(company.records[entity].values(), key=lambda r: int(r["Id"]))
        if match.group("since"):
            since = _parse_time(match.group("since"))
            stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
            rows = [r for r in rows if r["MetaData"]["LastUpdatedTime"] >= stamp]
        if match.group("what") != "*":
            return self._send(200, {"QueryResponse": {"totalCount": len(rows)}})
        start = max(int(match.group("start") or 1), 1)
        size = min(int(match.group("max") or 100), MAX_RESULTS)
        page = rows[start - 1:start - 1 + size]
        body = {"startPosition": start, "maxResults": len(page)}
        if page:
            body[entity] = page
        self._send(200, {"QueryResponse": body, "time": datetime.now(UTC).isoformat()})

    def _cdc(self, company: Company, query: dict) -> None:
        try:
            since = _parse_time(query.get("changedSince", [""])[0])
        except ValueError:
            return self._fault(400, "ValidationFault", "Invalid changedSince", "2010")
        if since < datetime.now(UTC) - CDC_MAX_AGE:
            return self._fault(400, "ValidationFault",
                               "changedSince must be within the last 30 days", "2010")
        entities = [e for e in query.get("entities", [""])[0].split(",") if e]
        responses = []
        for entity in entities:
            if entity not in ENTITIES:
                return self._fault(400, "ValidationFault", f"Unknown entity {entity}", "2010")
            changed = company.changed_since(entity, since)[:MAX_RESULTS]
            responses.append({entity: changed, "startPosition": 1,
                              "maxResults": len(changed)})
        self._send(200, {"CDCResponse": [{"QueryResponse": responses}],
                         "time": datetime.now(UTC).isoformat()})

    # --- test controls ---------------------------------------------------------------
    def _control(self, action: str, body: dict) -> None:
        state = self.state
        realm = str(body.get("realm", ""))
        if action == "company":
            with state.lock:
                state.companies.pop(realm, None)
            company = state.company(realm, body.get("transactions"))
            return self._send(200, {"realm": realm, "records": sum(
                len(v) for v in company.records.values())})
        if action == "mutate":
            company = state.company(realm)
            done = []
            for change in body.get("changes", []):
                entity, op = change["entity"], change["op"]
                if op == "update":
                    done.append(company.update(entity, change["id"], change.get("fields", {})))
                elif op == "delete":
                    company.delete(entity, change["id"])
                    done.append({"Id": change["id"], "status": "Deleted"})
                else:
                    done.append(company.add(entity, change.get("fields", {})))
            return self._send(200, {"changed": done})
        if action == "faults":
            state.error_rate[realm] = float(body.get("error_rate", 0))
            state.malformed_rate[realm] = float(body.get("malformed_rate", 0))
            if body.get("deleted"):
                state.deleted_realms.add(realm)
            else:
                state.deleted_realms.discard(realm)
            self.server.latency = float(body.get("latency", self.server.latency))
            return self._send(200, {})
        if action == "revoke":
            state.revoke_realm(realm)
            return self._send(200, {})
        if action == "expire_access":
            with state.lock:
                state.access = {t: (r, 0.0) for t, (r, _) in state.access.items()}
            return self._send(200, {})
        if action == "reset_counters":
            with state.lock:
                state.counters.pop(realm, None)
            return self._send(200, {})
        if action == "config":
            state.webhook_url = body.get("webhook_url", state.webhook_url)
            state.verifier_token = body.get("verifier_token", state.verifier_token)
            if "access_token_seconds" in body:
                state.access_token_seconds = int(body["access_token_seconds"])
            return self._send(200, {})
        if action == "webhook":
            return self._send(200, {"status": send_webhook(state, realm, body["entities"])})
        return self._send(404, {"error": f"unknown control {action}"})


def webhook_payload(realm: str, entities: list[dict]) -> bytes:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return json.dumps({"eventNotifications": [{"realmId": realm, "dataChangeEvent": {
        "entities": [{"lastUpdated": now, **entity} for entity in entities]}}]}).encode()


def sign_webhook(verifier_token: str, payload: bytes) -> str:
    return base64.b64encode(hmac.new(verifier_token.encode(), payload,
                                     hashlib.sha256).digest()).decode()


def send_webhook(state: FakeQuickBooksState, realm: str, entities: list[dict]) -> int:
    payload = webhook_payload(realm, entities)
    request = urllib.request.Request(  # noqa: S310 - a URL the test configured
        state.webhook_url, data=payload, method="POST",
        headers={"Content-Type": "application/json",
                 "intuit-signature": sign_webhook(state.verifier_token, payload)})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class FakeQuickBooksServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: FakeQuickBooksState) -> None:
        super().__init__(address, _Handler)
        self.state = state
        self.latency = 0.0

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def start_in_thread(*, port: int = 0, client_id: str = "advisoros-dev",
                    client_secret: str = "dev-secret", **options) -> FakeQuickBooksServer:  # noqa: S107
    server = FakeQuickBooksServer(("127.0.0.1", port), FakeQuickBooksState(
        client_id=client_id, client_secret=client_secret, **options))
    threading.Thread(target=server.serve_forever, name="fake-quickbooks", daemon=True).start()
    return server
