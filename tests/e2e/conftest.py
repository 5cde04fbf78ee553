"""End-to-end fixtures: the real mango-jwt binary on a free 127.0.0.1 port, driven over HTTP.

Every test runs against each store: the embedded SQLite store always, MongoDB when
MANGO_JWT_TEST_MONGODB_URI is set (scripts/test starts FerretDB and sets it).
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("MANGO_JWT_BINARY", ROOT / "build" / "app" / "mango-jwt"))
MONGODB_URI = os.environ.get("MANGO_JWT_TEST_MONGODB_URI", "")
# A strong key for tests that need to forge tokens; the embedded default generates its own.
TEST_SECRET = "e2e-test-key-0123456789abcdef-0123456789abcdef"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mongo_uri_for_database(name):
    """MANGO_JWT_TEST_MONGODB_URI with its database path replaced by `name`."""
    parts = urllib.parse.urlsplit(MONGODB_URI)
    query = parts.query or ""
    if "authSource" not in query:  # the user lives where the URI said, not in the new database
        source = parts.path.lstrip("/") or "admin"
        query = (query + "&" if query else "") + "authSource=" + source
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, query, ""))


class Server:
    """One mango-jwt process. Stopped (by its PID) when the test ends."""

    def __init__(self, tmp_path, store, settings):
        self.tmp_path = tmp_path
        self.store = store
        self.data_dir = tmp_path / "data"
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("MANGO_JWT_")}
        self.env.update({
            "MANGO_JWT_LISTEN": f"127.0.0.1:{self.port}",
            "MANGO_JWT_DATA_DIR": str(self.data_dir),
            "MANGO_JWT_PBKDF2_ROUNDS": "1000",  # fast tests; the default is tested on its own
            "MANGO_JWT_LOG_LEVEL": "warn",
        })
        if store == "mongo":
            self.env["MANGO_JWT_DB_URI"] = mongo_uri_for_database("e2e_" + uuid.uuid4().hex[:12])
            self.env["MANGO_JWT_JWT_SECRET"] = TEST_SECRET
        for key, value in settings.items():
            self.env["MANGO_JWT_" + key.upper()] = str(value)
        self.process = None
        self.log = tmp_path / "server.log"

    def start(self, timeout=20):
        self.process = subprocess.Popen([str(BINARY), "serve"], env=self.env,
                                        stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mango-jwt exited with {self.process.returncode}:\n"
                                   + self.log.read_text())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mango-jwt did not start listening:\n" + self.log.read_text())

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def secret(self):
        if "MANGO_JWT_JWT_SECRET" in self.env:
            return self.env["MANGO_JWT_JWT_SECRET"]
        return (self.data_dir / "jwt_secret").read_text().strip()

    def request(self, method, path, body=None, headers=None, form=False, raw=None):
        """(status, parsed JSON body or text, headers)."""
        headers = dict(headers or {})
        if raw is not None:
            payload = raw
        elif body is None:
            payload = None
        elif form:
            payload = urllib.parse.urlencode(body).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        else:
            payload = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = text
            return response.status, parsed, dict(response.getheaders())
        finally:
            conn.close()

    def post(self, route, body=None, **kwargs):
        status, parsed, _ = self.request("POST", "/mongo_auth/" + route, body, **kwargs)
        return status, parsed

    def signup(self, email, password="pw-123456", **fields):
        return self.post("signup/", {"email": email, "password": password, **fields})

    def login(self, username, password="pw-123456"):
        return self.post("login/", {"username": username, "password": password})

    def me(self, authorization=None):
        headers = {} if authorization is None else {"Authorization": authorization}
        status, parsed, _ = self.request("GET", "/mongo_auth/me/", headers=headers)
        return status, parsed


def store_params():
    stores = ["sqlite"]
    if MONGODB_URI:
        stores.append("mongo")
    return stores


@pytest.fixture(params=store_params())
def store(request):
    return request.param


@pytest.fixture
def make_server(tmp_path, store):
    """make_server(**settings) starts a server on the current store with extra settings."""
    servers = []

    def make(start=True, **settings):
        server = Server(tmp_path / f"s{len(servers)}", store, settings)
        server.tmp_path.mkdir(parents=True, exist_ok=True)
        servers.append(server)
        return server.start() if start else server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def server(make_server):
    return make_server()
