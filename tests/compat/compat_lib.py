"""Helpers of the compatibility suite: the real Mango-JWT 1.3.2 (a Django project under gunicorn)
and our mango-jwt binary, each on a free 127.0.0.1 port, sharing one MongoDB database per
configuration; scenarios replayed on both and compared.

Database set-up (found out on FerretDB 1.24 with authentication): Mango-JWT builds
`mongodb://user:pass@host:port/db_name`, so the driver authenticates against `db_name` itself. The
test user of MANGO_JWT_TEST_MONGODB_URI (scripts/ferretdb: `mango`, auth source `mango_test`) can
only authenticate with authSource = its own database; against `admin` or any other database it
gets "Authentication failed". So for every configuration we create a fresh database with a user of
its own inside it (`createUser` on that database, which FerretDB allows to any authenticated user),
and give both servers that db_name/db_user/db_pass, exactly as a Mango-JWT user would. When
createUser is refused (a real MongoDB whose test user lacks userAdmin), every configuration falls
back to the URI's own database and user, with a collection of its own.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
import http.client
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DJANGO_PROJECT = Path(__file__).resolve().parent / "django_project"
BINARY = Path(os.environ.get("MANGO_JWT_BINARY", ROOT / "build" / "app" / "mango-jwt"))
MONGODB_URI = os.environ.get("MANGO_JWT_TEST_MONGODB_URI", "")

# One strong key shared by both servers (ours refuses keys under 32 bytes without
# allow_weak_secret); the "default secret" configuration uses Mango-JWT's "secret" instead.
SHARED_SECRET = "compat-shared-key-0123456789abcdef-0123456789abcdef"
# The rounds passlib 1.7.4 uses for django_pbkdf2_sha256, so both servers write the same kind of
# hash unless a test says otherwise.
PASSLIB_ROUNDS = 29000

NOT_PROVIDED = {"detail": "Authentication credentials were not provided."}


class Stats:
    compared = 0           # request/answer pairs compared between the two servers
    deviations = set()     # DEVIATIONS ids asserted


# --- tokens, normalisation ----------------------------------------------------------------------

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(payload, secret, header=None):
    """An HS256 token made the way PyJWT makes it."""
    header = header or {"typ": "JWT", "alg": "HS256"}
    signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
                     + b64url(json.dumps(payload, separators=(",", ":")).encode()))
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(signature)


def tamper(token):
    """The same token with its signature changed in its last characters."""
    return token[:-2] + ("AA" if not token.endswith("AA") else "BB")


def token_payload(token):
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


USER_ID = re.compile(r"ID_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


def normalise(value, tag=None):
    """User ids -> <ID>, tokens -> <TOKEN>, the scenario's tag -> <TAG>, recursively."""
    if isinstance(value, dict):
        return {k: normalise(v, tag) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, tag) for v in value]
    if isinstance(value, str):
        if JWT.match(value):
            return "<TOKEN>"
        value = USER_ID.sub("<ID>", value)
        if tag:
            value = value.replace(tag, "<TAG>")
    return value


# --- processes ----------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HttpServer:
    """A server process on 127.0.0.1:port; stopped by its PID."""

    kind = "?"
    guarded_path = "/"

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process = None
        self.log = self.workdir / f"{self.kind}.log"

    def command(self):
        raise NotImplementedError

    def environment(self):
        raise NotImplementedError

    def start(self, timeout=30):
        cmd, cwd = self.command()
        self.process = subprocess.Popen(cmd, cwd=cwd, env=self.environment(),
                                        stdout=open(self.log, "ab"), stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.process.returncode}:\n"
                                   + self.log.read_text()[-4000:])
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.kind} did not start listening:\n"
                           + self.log.read_text()[-4000:])

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def request(self, method, path, body=None, headers=None, form=False, raw=None, timeout=60):
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
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
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

    def token(self, username, password="pw-123456"):
        status, body = self.login(username, password)
        assert status == 200, (self.kind, status, body)
        return body["data"]["token"]

    def guarded(self, authorization=None):
        """The AuthenticatedOnly route: Mango-JWT's README GetTest view, our GET mongo_auth/me/."""
        headers = {} if authorization is None else {"Authorization": authorization}
        status, parsed, _ = self.request("GET", self.guarded_path, headers=headers)
        return status, parsed


class MangoServer(HttpServer):
    """The real Mango-JWT 1.3.2 in tests/compat/django_project, under gunicorn (one worker)."""

    kind = "mango"
    guarded_path = "/api/test/"

    def __init__(self, workdir, config, database):
        super().__init__(workdir)
        self.config = config
        self.database = database

    def command(self):
        gunicorn = Path(sys.executable).parent / "gunicorn"
        return ([str(gunicorn), "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
                 "--timeout", "120", "--log-level", "warning", "compat_site.wsgi"],
                str(DJANGO_PROJECT))

    def environment(self):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("COMPAT_") and not k.startswith("MANGO_JWT_")}
        env["DJANGO_SETTINGS_MODULE"] = "compat_site.settings"
        db = self.database
        env.update({"COMPAT_DB_HOST": db.host, "COMPAT_DB_NAME": db.name,
                    "COMPAT_DB_USER": db.user, "COMPAT_DB_PASS": db.password})
        if db.port is not None:
            env["COMPAT_DB_PORT"] = str(db.port)
        c = self.config
        if c.auth_collection is not None:
            env["COMPAT_AUTH_COLLECTION"] = c.auth_collection
        if c.fields is not None:
            env["COMPAT_FIELDS"] = json.dumps(list(c.fields))
        if c.mango_secret is not None:
            env["COMPAT_JWT_SECRET"] = c.mango_secret
        if c.jwt_life is not None:
            env["COMPAT_JWT_LIFE"] = json.dumps(c.jwt_life)
        if c.secondary_username_field is not None:
            env["COMPAT_SECONDARY_USERNAME_FIELD"] = c.secondary_username_field
        return env


class OurServer(HttpServer):
    """Our mango-jwt binary, `serve`, configured with Mango-JWT's own db_* keys."""

    kind = "ours"
    guarded_path = "/mongo_auth/me/"

    def __init__(self, workdir, config, database, **overrides):
        super().__init__(workdir)
        self.config = config
        self.database = database
        self.overrides = overrides

    def command(self):
        return [str(BINARY), "serve"], str(self.workdir)

    def environment(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MANGO_JWT_")}
        db = self.database
        env.update({
            "MANGO_JWT_LISTEN": f"127.0.0.1:{self.port}",
            "MANGO_JWT_DATA_DIR": str(self.workdir / "data"),
            "MANGO_JWT_LOG_LEVEL": "warn",
            "MANGO_JWT_PBKDF2_ROUNDS": str(PASSLIB_ROUNDS),
            "MANGO_JWT_DB_HOST": db.host, "MANGO_JWT_DB_NAME": db.name,
            "MANGO_JWT_DB_USER": db.user, "MANGO_JWT_DB_PASS": db.password,
        })
        if db.port is not None:
            env["MANGO_JWT_DB_PORT"] = str(db.port)
        c = self.config
        if c.auth_collection is not None:
            env["MANGO_JWT_AUTH_COLLECTION"] = c.auth_collection
        if c.fields is not None:
            env["MANGO_JWT_FIELDS"] = json.dumps(list(c.fields))
        env["MANGO_JWT_JWT_SECRET"] = c.secret
        if c.secret == "secret" or len(c.secret.encode()) < 32:
            env["MANGO_JWT_ALLOW_WEAK_SECRET"] = "true"
        if c.jwt_life is not None:
            env["MANGO_JWT_JWT_LIFE"] = json.dumps(c.jwt_life)
        if c.secondary_username_field is not None:
            env["MANGO_JWT_SECONDARY_USERNAME_FIELD"] = c.secondary_username_field
        for key, value in self.overrides.items():
            env["MANGO_JWT_" + key.upper()] = str(value)
        return env


# --- configurations and databases ---------------------------------------------------------------

class Config:
    """One MANGO_JWT_SETTINGS, given the same way to both servers. None = the key is left out."""

    def __init__(self, name, auth_collection=None, fields=None, jwt_secret=SHARED_SECRET,
                 jwt_life=None, secondary_username_field=None):
        self.name = name
        self.auth_collection = auth_collection
        self.fields = fields
        self.mango_secret = jwt_secret          # None: Mango-JWT's default "secret"
        self.secret = jwt_secret if jwt_secret is not None else "secret"
        self.jwt_life = jwt_life
        self.secondary_username_field = secondary_username_field

    @property
    def collection(self):
        return self.auth_collection or "user_profile"


class Database:
    """db_host/db_port/db_name/db_user/db_pass for one configuration, plus a pymongo handle."""

    def __init__(self, host, port, name, user, password, client, created_user):
        self.host, self.port, self.name = host, port, name
        self.user, self.password = user, password
        self.client = client
        self.created_user = created_user

    @property
    def db(self):
        return self.client[self.name]


class MongoAdmin:
    """The connection of MANGO_JWT_TEST_MONGODB_URI, which provisions one database per config."""

    def __init__(self, uri):
        import pymongo
        self.uri = uri
        parts = urllib.parse.urlsplit(uri)
        self.host = parts.hostname
        self.port = parts.port
        self.user = urllib.parse.unquote(parts.username or "")
        self.password = urllib.parse.unquote(parts.password or "")
        self.own_db = parts.path.lstrip("/") or "admin"
        self.client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=10000)
        self.session = uuid.uuid4().hex[:8]
        self.databases = []
        self.can_create_users = None

    def provision(self, config):
        import pymongo
        if not self.user:
            raise RuntimeError("MANGO_JWT_TEST_MONGODB_URI has no user: Mango-JWT always "
                               "connects with db_user/db_pass")
        name = f"compat_{self.session}_{len(self.databases)}"
        if self.can_create_users is not False:
            user, password = "compat_" + uuid.uuid4().hex[:8], secrets.token_urlsafe(12)
            try:
                self.client[name].command("createUser", user, pwd=password, roles=["readWrite"])
                self.can_create_users = True
            except pymongo.errors.OperationFailure:
                self.can_create_users = False
        if self.can_create_users:
            client = pymongo.MongoClient(host=self.host, port=self.port, username=user,
                                         password=password, authSource=name,
                                         serverSelectionTimeoutMS=10000)
            db = Database(self.host, self.port, name, user, password, client, True)
        else:  # the URI's own database and user; collections keep configurations apart
            if config.auth_collection is None:
                config.auth_collection = f"compat_{self.session}_{len(self.databases)}_users"
            db = Database(self.host, self.port, self.own_db, self.user, self.password,
                          self.client, False)
        self.databases.append((db, config))
        return db

    def cleanup(self):
        for db, config in self.databases:
            try:
                if db.created_user:
                    self.client.drop_database(db.name)
                    self.client[db.name].command("dropUser", db.user)
                else:
                    self.client[db.name].drop_collection(config.collection)
            except Exception:  # best effort: the FerretDB of a test run is thrown away anyway
                pass
            if db.client is not self.client:
                db.client.close()
        self.client.close()


class Pair:
    """Mango-JWT and our server, one configuration, one shared database."""

    def __init__(self, config, database, mango, ours):
        self.config, self.database, self.mango, self.ours = config, database, mango, ours

    @property
    def users(self):
        return self.database.db[self.config.collection]

    @property
    def servers(self):
        return (self.mango, self.ours)


# --- scenarios replayed on both servers ---------------------------------------------------------

class Recorder:
    """Runs a scenario's requests against one server and records (label, status, body)."""

    def __init__(self, server, tag):
        self.server, self.tag = server, tag
        self.steps = []

    def email(self, name):
        return f"{name}-{self.tag}@example.com"

    def value(self, name):
        return f"{name}{self.tag}"

    def record(self, label, answer):
        self.steps.append((label, answer[0], answer[1]))
        return answer

    def post(self, label, route, body=None, **kwargs):
        return self.record(label, self.server.post(route, body, **kwargs))

    def signup(self, label, body, **kwargs):
        return self.post(label, "signup/", body, **kwargs)

    def login(self, label, body, **kwargs):
        return self.post(label, "login/", body, **kwargs)

    def guarded(self, label, authorization=None):
        return self.record(label, self.server.guarded(authorization))

    def request(self, label, method, path, **kwargs):
        status, body, headers = self.server.request(method, path, **kwargs)
        self.record(label, (status, body))
        return status, body, headers


def replay(pair, scenario):
    """Runs scenario(recorder) on Mango-JWT, then on ours; compares the answers step by step.

    A step whose label is a DEVIATIONS id is checked against that documented deviation (both
    sides' exact answers); every other step must get the same status and the same normalised
    body from both. Returns the two recorders.
    """
    from deviations import assert_deviation
    runs = {}
    for server in pair.servers:
        recorder = Recorder(server, f"t{uuid.uuid4().hex[:10]}")
        scenario(recorder)
        runs[server.kind] = recorder
    mango, ours = runs["mango"], runs["ours"]
    assert [s[0] for s in mango.steps] == [s[0] for s in ours.steps]
    for (label, m_status, m_body), (_, o_status, o_body) in zip(mango.steps, ours.steps):
        m = (m_status, normalise(m_body, mango.tag))
        o = (o_status, normalise(o_body, ours.tag))
        Stats.compared += 1
        if label.startswith("DEV:"):
            assert_deviation(label[4:], m, o)
        else:
            assert m == o, f"step {label!r}: Mango-JWT answered {m}, mango-jwt answered {o}"
    return mango, ours
