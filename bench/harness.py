"""The load and memory part of bench/run (see bench/README.md): mango-jwt and Mango-JWT 1.3.2 on one
FerretDB, driven by wrk on 127.0.0.1, plus the Google Benchmark microbenchmarks. Prints one table
and writes it as JSON. Every figure comes from this run; nothing is compared against a threshold
here except to label a target "met" or "missed".

Run by bench/run (which builds, prepares the venv and starts FerretDB); runs in the compat venv
(pymongo 3.x). Processes it starts are stopped by their PID.
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import json
import multiprocessing
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DJANGO_PROJECT = ROOT / "tests" / "compat" / "django_project"
LUA = BENCH / "lua"

PASSLIB_ROUNDS = 29000      # Mango-JWT's (passlib's) default for django_pbkdf2_sha256
FILLER_ROUNDS = 1000        # the scale set's users that are never logged into
EMAIL_DOMAIN = "bench.example"


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- profiles ----------------------------------------------------------------------------------

class Profile:
    def __init__(self, quick, soak):
        self.quick = quick
        self.soak = soak
        cores = os.cpu_count() or 1
        if quick:
            self.users = 40             # seeded in each server's collection
            self.scale_users = 2000     # total users for the scale point
            self.duration = 1           # seconds per wrk run
            self.warmup = 1
            self.micro_min_time = 0.005
            self.soak_seconds = 20
        else:
            self.users = 1000
            self.scale_users = 100_000
            self.duration = 10
            self.warmup = 2
            self.micro_min_time = 0.3
            self.soak_seconds = 300
        self.get_connections = 32
        self.login_connections = 2 * cores + 2   # enough to keep every hashing core busy
        self.signup_connections = 2 * cores + 2
        self.storm_get_connections = 8
        self.wrk_threads = 1                     # the server needs the other core(s)


# --- users, hashes, tokens ---------------------------------------------------------------------

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def django_pbkdf2_sha256(password, rounds):
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    salt = "".join(secrets.choice(alphabet) for _ in range(12))
    key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), rounds, 32)
    return f"pbkdf2_sha256${rounds}${salt}${base64.b64encode(key).decode()}"


def _hash_one(args):
    password, rounds = args
    return django_pbkdf2_sha256(password, rounds)


def make_users(prefix, start, count, rounds, pool):
    """[(document, password)] with Mango-JWT's document shape: id, email, password."""
    passwords = [f"pw-{prefix}-{i:06d}-{secrets.token_hex(4)}" for i in range(start, start + count)]
    hashes = pool.map(_hash_one, [(p, rounds) for p in passwords], chunksize=64)
    users = []
    for i, (password, encoded) in zip(range(start, start + count), zip(passwords, hashes)):
        doc = {"id": f"ID_{uuid.uuid4()}", "email": f"{prefix}{i:06d}@{EMAIL_DOMAIN}",
               "password": encoded}
        users.append((doc, password))
    return users


def forge_token(user_id, secret, days=7):
    """An HS256 token as Mango-JWT (PyJWT 1.x) makes it: {"id": ..., "exp": ...}."""
    header = {"typ": "JWT", "alg": "HS256"}
    payload = {"id": user_id, "exp": int(time.time()) + days * 86400}
    signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
                     + b64url(json.dumps(payload, separators=(",", ":")).encode()))
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(signature)


# --- processes ---------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of(pid):
    """PIDs whose parent is pid."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # the command name is in parentheses and may hold spaces
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def status_kib(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Server:
    kind = "?"
    label = "?"

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process = None
        self.log_path = self.workdir / f"{self.kind}.log"
        self.peak_sampled_kib = 0
        self._sampling = False

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self, cmd, cwd, env, timeout=60):
        log(f"starting {self.label} on 127.0.0.1:{self.port}")
        self.process = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                        stdout=open(self.log_path, "ab"),
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.label} exited with {self.process.returncode}:\n"
                                   + self.log_path.read_text()[-3000:])
            try:
                status, _ = http_request("GET", self.url(self.ready_path), timeout=2)
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.label} did not answer:\n" + self.log_path.read_text()[-3000:])

    def pids(self):
        if not self.process or self.process.poll() is not None:
            return []
        return [self.process.pid] + children_of(self.process.pid)

    def rss_kib(self):
        return sum(status_kib(p, "VmRSS") for p in self.pids())

    def cpu_seconds(self):
        """User + system CPU time of the server's processes so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])   # utime, stime
            except (OSError, IndexError, ValueError):
                pass
        return total / ticks

    def hwm_kib(self):
        """Sum of each process's peak resident set (VmHWM): gunicorn master + workers."""
        return sum(status_kib(p, "VmHWM") for p in self.pids())

    def start_sampling(self, interval=0.2):
        """Samples the sum of VmRSS in the background; peak_sampled_kib keeps the largest."""
        self._sampling = True

        def run():
            while self._sampling:
                self.peak_sampled_kib = max(self.peak_sampled_kib, self.rss_kib())
                time.sleep(interval)
        self._sampler = threading.Thread(target=run, daemon=True)
        self._sampler.start()

    def stop(self):
        self._sampling = False
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Ours(Server):
    kind = "ours"
    label = "mango-jwt"
    ready_path = "/readyz"
    guarded_path = "/mongo_auth/me/"
    unguarded_path = "/healthz"
    login_path = "/mongo_auth/login/"
    signup_path = "/mongo_auth/signup/"

    def __init__(self, workdir, binary, uri, collection, secret, user_cache_seconds=None):
        super().__init__(workdir)
        self.binary, self.uri, self.collection, self.secret = binary, uri, collection, secret
        self.user_cache_seconds = user_cache_seconds

    def environment(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MANGO_JWT_")}
        env.update({
            "MANGO_JWT_LISTEN": f"127.0.0.1:{self.port}",
            "MANGO_JWT_DB_URI": self.uri,
            "MANGO_JWT_AUTH_COLLECTION": self.collection,
            "MANGO_JWT_JWT_SECRET": self.secret,
            "MANGO_JWT_PBKDF2_ROUNDS": str(PASSLIB_ROUNDS),
            "MANGO_JWT_DATA_DIR": str(self.workdir / "data"),
            "MANGO_JWT_LOG_LEVEL": "warn",
        })
        if self.user_cache_seconds is not None:
            env["MANGO_JWT_USER_CACHE_SECONDS"] = str(self.user_cache_seconds)
        return env

    def run(self):
        self.start([str(self.binary), "serve"], str(self.workdir), self.environment())


class Theirs(Server):
    kind = "mango"
    label = "Mango-JWT 1.3.2"
    ready_path = "/mongo_auth/login/"   # answers 405 to GET once Django is up
    guarded_path = "/api/test/"
    login_path = "/mongo_auth/login/"
    signup_path = "/mongo_auth/signup/"

    def __init__(self, workdir, uri, collection, secret, workers):
        super().__init__(workdir)
        self.uri, self.collection, self.secret, self.workers = uri, collection, secret, workers

    def environment(self):
        parts = urllib.parse.urlsplit(self.uri)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("COMPAT_") and not k.startswith("MANGO_JWT_")}
        env.update({
            "DJANGO_SETTINGS_MODULE": "compat_site.settings",
            "COMPAT_DB_HOST": parts.hostname,
            "COMPAT_DB_PORT": str(parts.port),
            "COMPAT_DB_NAME": parts.path.lstrip("/"),
            "COMPAT_DB_USER": urllib.parse.unquote(parts.username),
            "COMPAT_DB_PASS": urllib.parse.unquote(parts.password),
            "COMPAT_AUTH_COLLECTION": self.collection,
            "COMPAT_JWT_SECRET": self.secret,
        })
        return env

    def run(self):
        gunicorn = Path(sys.executable).parent / "gunicorn"
        cmd = [str(gunicorn), "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
               "--worker-class", "sync", "--timeout", "120", "--log-level", "warning",
               "compat_site.wsgi"]
        self.start(cmd, str(DJANGO_PROJECT), self.environment())


def http_request(method, url, body=None, headers=None, timeout=30):
    import http.client
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, parts.path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- wrk ---------------------------------------------------------------------------------------

class Wrk:
    """One bounded wrk run (started now, collected with result())."""

    def __init__(self, url, script, duration, connections, threads, env):
        self.cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
                    "--timeout", "10s", "-s", str(LUA / script), url]
        self.deadline = duration + 40
        self.process = subprocess.Popen(self.cmd, env={**os.environ, **env},
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, start_new_session=True)

    def result(self):
        try:
            out, err = self.process.communicate(timeout=self.deadline)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
        match = re.search(r"^BENCH_JSON (.*)$", out, re.M)
        if self.process.returncode != 0 or not match:
            raise RuntimeError(f"wrk failed ({self.process.returncode}): {' '.join(self.cmd)}\n"
                               f"{out}\n{err}")
        raw = json.loads(match.group(1))
        errors = raw["errors"]
        failed = errors["status"]
        ok = raw["requests"] - failed
        seconds = raw["duration_us"] / 1e6
        return {
            "requests": raw["requests"],
            "ok_per_s": ok / seconds if seconds else 0.0,
            "p50_ms": raw["latency_us"]["p50"] / 1000.0,
            "p99_ms": raw["latency_us"]["p99"] / 1000.0,
            "mean_ms": raw["latency_us"]["mean"] / 1000.0,
            "max_ms": raw["latency_us"]["max"] / 1000.0,
            "seconds": seconds,
            "errors": errors,
            "non_2xx_or_3xx": failed,
        }


def wrk(url, script, duration, connections, threads, env, server=None):
    """One wrk run; with `server`, also the server's CPU time per answered request."""
    cpu_before = server.cpu_seconds() if server else None
    result = Wrk(url, script, duration, connections, threads, env).result()
    if server:
        ok = result["ok_per_s"] * result["seconds"]
        result["server_cpu_ms_per_request"] = (
            1000.0 * (server.cpu_seconds() - cpu_before) / ok if ok else None)
    return result


# --- the measurements --------------------------------------------------------------------------

class Files:
    def __init__(self, workdir):
        self.workdir = Path(workdir)

    def lines(self, name, lines):
        path = self.workdir / name
        path.write_text("".join(line + "\n" for line in lines))
        return str(path)


def check_answers(server, users, secret):
    """One login and one guarded GET by hand, so a misconfigured run fails loudly, not with a
    table of 403s."""
    doc, password = users[0]
    status, body = http_request("POST", server.url(server.login_path),
                                json.dumps({"username": doc["email"], "password": password}),
                                {"Content-Type": "application/json"})
    if status != 200:
        raise RuntimeError(f"{server.label}: login of a seeded user answered {status} {body[:300]}")
    status, body = http_request("GET", server.url(server.guarded_path),
                                headers={"Authorization": forge_token(doc["id"], secret)})
    if status != 200:
        raise RuntimeError(f"{server.label}: guarded GET answered {status} {body[:300]}")


def prime_user_cache(server, users, secret):
    """A chosen cache lifetime (--user-cache-seconds) is measured warm: every seeded user has
    just used their token once, as the active users of a running service have."""
    if not getattr(server, "user_cache_seconds", None):
        return
    log(f"{server.label}: one guarded GET per user, to fill the user cache")
    url = server.url(server.guarded_path)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda d: http_request("GET", url,
                                             headers={"Authorization": forge_token(d["id"], secret)}),
                      [d for d, _ in users]))


def measure_server(server, profile, files, users, secret, tag, unguarded=False):
    """Authenticated GET, login, login storm, signup (and the unguarded route for ours)."""
    results = {}
    tokens = files.lines(f"{server.kind}-tokens.txt", [forge_token(d["id"], secret) for d, _ in users])
    logins = files.lines(f"{server.kind}-logins.txt", [f"{d['email']}\t{p}" for d, p in users])
    d, t = profile.duration, profile.wrk_threads
    get_env = {"BENCH_PATH": server.guarded_path, "BENCH_TOKENS": tokens}
    login_env = {"BENCH_PATH": server.login_path, "BENCH_USERS": logins}

    log(f"{server.label}: warm-up")
    wrk(server.url(server.guarded_path), "get.lua", profile.warmup, 4, 1, get_env)
    wrk(server.url(server.login_path), "login.lua", profile.warmup, 4, 1, login_env)
    prime_user_cache(server, users, secret)

    if unguarded:
        log(f"{server.label}: unguarded GET {server.unguarded_path}")
        results["unguarded_get"] = wrk(server.url(server.unguarded_path), "get.lua", d,
                                       profile.get_connections, t,
                                       {"BENCH_PATH": server.unguarded_path, "BENCH_TOKENS": ""},
                                       server)
    log(f"{server.label}: authenticated GET {server.guarded_path}")
    results["auth_get"] = wrk(server.url(server.guarded_path), "get.lua", d,
                              profile.get_connections, t, get_env, server)
    log(f"{server.label}: login")
    results["login"] = wrk(server.url(server.login_path), "login.lua", d,
                           profile.login_connections, t, login_env, server)
    log(f"{server.label}: login storm (logins and authenticated GETs at once)")
    storm_login = Wrk(server.url(server.login_path), "login.lua", d, profile.login_connections,
                      t, login_env)
    storm_get = Wrk(server.url(server.guarded_path), "get.lua", d,
                    profile.storm_get_connections, t, get_env)
    results["storm_login"] = storm_login.result()
    results["storm_get"] = storm_get.result()
    log(f"{server.label}: signup")
    results["signup"] = wrk(server.url(server.signup_path), "signup.lua", d,
                            profile.signup_connections, t,
                            {"BENCH_PATH": server.signup_path, "BENCH_TAG": f"{tag}-{server.kind}",
                             "BENCH_PASSWORD": "bench-signup-password"}, server)
    return results


def import_users(binary, server, docs, files, jobs_env):
    """Our users: `mango-jwt user import <file>` when that subcommand exists, else pymongo.
    Returns the method used."""
    help_run = subprocess.run([str(binary), "user", "import", "--help"], capture_output=True,
                              text=True, timeout=30)
    if help_run.returncode != 0:
        return None
    path = files.lines(f"import-{len(docs)}.jsonl", [json.dumps(d) for d in docs])
    run = subprocess.run([str(binary), "user", "import", path], env=jobs_env,
                         capture_output=True, text=True, timeout=1800)
    if run.returncode != 0:
        raise RuntimeError(f"mango-jwt user import failed ({run.returncode}):\n"
                           f"{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    return "mango-jwt user import"


def insert_users(collection, docs):
    for i in range(0, len(docs), 1000):
        collection.insert_many([dict(d) for d in docs[i:i + 1000]], ordered=False)
    return "pymongo insert_many"


def seed(collection, docs, binary=None, server=None, files=None):
    started = time.time()
    method = None
    if binary is not None:
        method = import_users(binary, server, docs, files, server.environment())
    if method is None:
        method = insert_users(collection, docs)
    return method, time.time() - started


def run_micro(binary, profile, workdir):
    out = Path(workdir) / "micro.json"
    cmd = [str(binary), f"--benchmark_min_time={profile.micro_min_time}",
           f"--benchmark_out={out}", "--benchmark_out_format=json"]
    log("microbenchmarks: " + " ".join(cmd[1:2]))
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if run.returncode != 0:
        raise RuntimeError(f"mango_micro_bench failed:\n{run.stdout}\n{run.stderr}")
    data = json.loads(out.read_text())
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    results = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            raise RuntimeError(f"microbenchmark {b['name']}: {b.get('error_message')}")
        # seconds per operation: the thread's CPU time, steady on a machine shared with other
        # work; wall time too (argon2 hashes its lanes on threads of its own)
        results[b["name"]] = {"cpu": b["cpu_time"] * scale[b["time_unit"]],
                              "real": b["real_time"] * scale[b["time_unit"]]}
    return results, data.get("context", {})


def soak(server, profile, files, users, secret):
    """GETs and logins at once for soak_seconds; VmRSS sampled every second."""
    tokens = files.lines("soak-tokens.txt", [forge_token(d["id"], secret) for d, _ in users])
    logins = files.lines("soak-logins.txt", [f"{d['email']}\t{p}" for d, p in users])
    samples = []
    stop = threading.Event()

    def sample():
        start = time.time()
        while not stop.is_set():
            samples.append((time.time() - start, server.rss_kib()))
            stop.wait(1.0)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # in slices of at most 60 s so each wrk run stays short and bounded
    remaining = profile.soak_seconds
    runs = []
    while remaining > 0:
        d = min(60, remaining)
        a = Wrk(server.url(server.login_path), "login.lua", d, profile.login_connections, 1,
                {"BENCH_PATH": server.login_path, "BENCH_USERS": logins})
        b = Wrk(server.url(server.guarded_path), "get.lua", d, profile.storm_get_connections, 1,
                {"BENCH_PATH": server.guarded_path, "BENCH_TOKENS": tokens})
        runs.append((a.result(), b.result()))
        remaining -= d
    stop.set()
    sampler.join()
    total = samples[-1][0] if samples else 0
    fifth = max(1.0, total / 5)
    early = [kib for t, kib in samples if t <= fifth]
    late = [kib for t, kib in samples if t >= total - fifth]
    early_max, late_max = max(early), max(late)
    return {
        "seconds": profile.soak_seconds,
        "samples": len(samples),
        "rss_first_fifth_max_mib": early_max / 1024,
        "rss_last_fifth_max_mib": late_max / 1024,
        "rss_max_mib": max(k for _, k in samples) / 1024,
        "growth_pct": 100.0 * (late_max - early_max) / early_max,
        "logins": sum(r[0]["requests"] for r in runs),
        "gets": sum(r[1]["requests"] for r in runs),
    }


# --- table -------------------------------------------------------------------------------------

def fmt(value, digits=1):
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def render(report):
    o, m = report["ours"], report["mango_jwt"]
    r = report["ratios"]
    rows = [
        ("authenticated GET req/s", o["auth_get"]["ok_per_s"], m["auth_get"]["ok_per_s"],
         r["auth_get_rps"]),
        ("authenticated GET p50 ms", o["auth_get"]["p50_ms"], m["auth_get"]["p50_ms"],
         r["auth_get_p50"]),
        ("authenticated GET p99 ms", o["auth_get"]["p99_ms"], m["auth_get"]["p99_ms"],
         r["auth_get_p99"]),
        ("login/s", o["login"]["ok_per_s"], m["login"]["ok_per_s"], r["login_rps"]),
        ("signup/s", o["signup"]["ok_per_s"], m["signup"]["ok_per_s"], r["signup_rps"]),
        ("storm: GET p99 ms", o["storm_get"]["p99_ms"], m["storm_get"]["p99_ms"],
         r["storm_get_p99"]),
        ("storm: login p99 ms", o["storm_login"]["p99_ms"], m["storm_login"]["p99_ms"],
         r["storm_login_p99"]),
        ("peak RSS MiB", o["peak_rss_mib"], m["peak_rss_mib"], r["peak_rss"]),
    ]
    for run, label in (("auth_get", "auth GET"), ("login", "login"), ("signup", "signup")):
        a = o[run].get("server_cpu_ms_per_request")
        b = m[run].get("server_cpu_ms_per_request")
        rows.append((f"server CPU ms per {label}", a, b, ratio(a, b)))
    lines = []
    w = 28
    lines.append(f"{'':{w}} {'mango-jwt':>12} {'Mango-JWT':>12} {'ours/theirs':>12}")
    for name, a, b, quotient in rows:
        lines.append(f"{name:{w}} {fmt(a, 2):>12} {fmt(b, 2):>12} {fmt(quotient, 3):>12}")
    lines.append("")
    lines.append(f"{'mango-jwt only':{w}} {'value':>12} {'target':>12} {'':>12}")
    for t in report["targets"]:
        lines.append(f"{t['name']:{w}} {fmt(t['value'], 3):>12} {t['target']:>12} "
                     f"{('met' if t['met'] else 'MISSED') if t['met'] is not None else '':>12}")
    lines.append("")
    s = report["scale"]
    lines.append(f"{'scale (mango-jwt)':{w}} {fmt(s['small_users'], 0) + ' users':>12} "
                 f"{fmt(s['large_users'], 0) + ' users':>12} {'large/small':>12}")
    lines.append(f"{'  authenticated GET req/s':{w}} {fmt(s['small']['auth_get_rps']):>12} "
                 f"{fmt(s['large']['auth_get_rps']):>12} {fmt(s['auth_get_ratio'], 3):>12}")
    lines.append(f"{'  login/s':{w}} {fmt(s['small']['login_rps']):>12} "
                 f"{fmt(s['large']['login_rps']):>12} {fmt(s['login_ratio'], 3):>12}")
    lines.append("")
    mi = report["micro"]
    lines.append("microbenchmarks (Google Benchmark, time per operation):")
    lines.append(f"  {'':54} {'cpu us':>12} {'wall us':>12}")
    for name, t in mi["all"].items():
        lines.append(f"  {name:54} {t['cpu'] * 1e6:>12.2f} {t['real'] * 1e6:>12.2f}")
    lines.append("")
    lines.append("errors (non-2xx/3xx + socket) per run: " + (", ".join(
        f"{who}.{run}={n}" for who, runs in report["errors"].items() for run, n in runs.items())
        or "none"))
    if report.get("soak"):
        so = report["soak"]
        lines.append(f"soak {so['seconds']} s: RSS max {so['rss_max_mib']:.1f} MiB, first fifth "
                     f"{so['rss_first_fifth_max_mib']:.1f} MiB, last fifth "
                     f"{so['rss_last_fifth_max_mib']:.1f} MiB ({so['growth_pct']:+.2f}%), "
                     f"{so['logins']} logins + {so['gets']} GETs")
    lines.append(report["notes"])
    return "\n".join(lines)


def ratio(a, b):
    return a / b if a is not None and b else None


# --- main --------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--uri", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--micro", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--out", default=str(BENCH / "results" / "latest.json"))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--soak", action="store_true")
    parser.add_argument("--database", default="FerretDB",
                        help="what --uri points at, for the report (default: FerretDB, on this machine)")
    parser.add_argument("--user-cache-seconds", type=int, default=None,
                        help="mango-jwt's user_cache_seconds (default: its own default, 5)")
    args = parser.parse_args()
    cache_text = ("default (5)" if args.user_cache_seconds is None
                  else str(args.user_cache_seconds))

    import pymongo
    profile = Profile(args.quick, args.soak)
    cores = os.cpu_count() or 1
    workdir = Path(args.workdir)
    files = Files(workdir)
    tag = uuid.uuid4().hex[:8]
    secret = secrets.token_hex(32)
    started = time.time()
    load_before = Path("/proc/loadavg").read_text().split()[:3]

    client = pymongo.MongoClient(args.uri, serverSelectionTimeoutMS=10000)
    db = client.get_default_database()
    ours_collection = f"bench_{tag}_ours"
    mango_collection = f"bench_{tag}_mango"

    # Microbenchmarks first, on a quiet machine.
    micro, micro_context = run_micro(args.micro, profile, workdir)

    pool = multiprocessing.Pool(cores)
    log(f"hashing {profile.users} users at {PASSLIB_ROUNDS} rounds")
    users = make_users("user", 0, profile.users, PASSLIB_ROUNDS, pool)
    docs = [d for d, _ in users]

    report = {"ours": {}, "mango_jwt": {}, "errors": {}}
    servers = []
    try:
        # --- Mango-JWT ---
        theirs = Theirs(workdir / "mango", args.uri, mango_collection, secret, 2 * cores + 1)
        servers.append(theirs)
        method, seconds = seed(db[mango_collection], docs)
        log(f"Mango-JWT collection seeded with {len(docs)} users ({method}, {seconds:.1f} s)")
        theirs.run()
        theirs.start_sampling()
        check_answers(theirs, users, secret)
        m = measure_server(theirs, profile, files, users, secret, tag)
        m["peak_rss_mib"] = max(theirs.hwm_kib(), theirs.peak_sampled_kib) / 1024
        m["processes"] = len(theirs.pids())
        report["mango_jwt"] = m
        theirs.stop()

        # --- mango-jwt ---
        ours = Ours(workdir / "ours", args.binary, args.uri, ours_collection, secret,
                    args.user_cache_seconds)
        servers.append(ours)
        ours.run()   # creates the unique indexes
        ours.start_sampling()
        method, seconds = seed(db[ours_collection], docs, args.binary, ours, files)
        report["ours_seed_method"] = method
        log(f"mango-jwt collection seeded with {len(docs)} users ({method}, {seconds:.1f} s)")
        check_answers(ours, users, secret)
        small_users = db[ours_collection].count_documents({})
        o = measure_server(ours, profile, files, users, secret, tag, unguarded=True)
        report["ours"] = o

        # --- scale: fill up to scale_users, the logged-in users keep their 29000-round hashes
        current = db[ours_collection].count_documents({})
        filler_count = max(0, profile.scale_users - current)
        log(f"scale: hashing {filler_count} filler users at {FILLER_ROUNDS} rounds")
        hashing_started = time.time()
        fillers = [d for d, _ in make_users("filler", 0, filler_count, FILLER_ROUNDS, pool)]
        log(f"scale: hashed in {time.time() - hashing_started:.1f} s")
        method, seconds = seed(db[ours_collection], fillers, args.binary, ours, files)
        log(f"scale: {filler_count} users added ({method}, {seconds:.1f} s)")
        large_users = db[ours_collection].count_documents({})
        tokens = files.lines("scale-tokens.txt", [forge_token(d["id"], secret) for d, _ in users])
        logins = files.lines("scale-logins.txt", [f"{d['email']}\t{p}" for d, p in users])
        log(f"scale: authenticated GET and login at {large_users} users")
        prime_user_cache(ours, users, secret)
        big_get = wrk(ours.url(ours.guarded_path), "get.lua", profile.duration,
                      profile.get_connections, profile.wrk_threads,
                      {"BENCH_PATH": ours.guarded_path, "BENCH_TOKENS": tokens})
        big_login = wrk(ours.url(ours.login_path), "login.lua", profile.duration,
                        profile.login_connections, profile.wrk_threads,
                        {"BENCH_PATH": ours.login_path, "BENCH_USERS": logins})
        report["scale"] = {
            "small_users": small_users, "large_users": large_users,
            "filler_rounds": FILLER_ROUNDS, "fill_method": method, "fill_seconds": seconds,
            "small": {"auth_get_rps": o["auth_get"]["ok_per_s"], "login_rps": o["login"]["ok_per_s"]},
            "large": {"auth_get_rps": big_get["ok_per_s"], "login_rps": big_login["ok_per_s"],
                      "auth_get": big_get, "login": big_login},
        }
        s = report["scale"]
        s["auth_get_ratio"] = ratio(s["large"]["auth_get_rps"], s["small"]["auth_get_rps"])
        s["login_ratio"] = ratio(s["large"]["login_rps"], s["small"]["login_rps"])

        if profile.soak:
            log(f"soak: {profile.soak_seconds} s of logins and authenticated GETs")
            report["soak"] = soak(ours, profile, files, users, secret)
        o["peak_rss_mib"] = max(ours.hwm_kib(), ours.peak_sampled_kib) / 1024
        ours.stop()
    finally:
        for server in servers:
            server.stop()
        pool.terminate()
        for name in (ours_collection, mango_collection):
            try:
                db.drop_collection(name)
            except Exception:
                pass
        client.close()

    for who, key in (("ours", "ours"), ("mango_jwt", "mango_jwt")):
        report["errors"][who] = {
            run: r["non_2xx_or_3xx"] + sum(v for k, v in r["errors"].items() if k != "status")
            for run, r in report[key].items() if isinstance(r, dict) and "errors" in r}
        report["errors"][who] = {k: v for k, v in report["errors"][who].items() if v}
    if not any(report["errors"].values()):
        report["errors"] = {}

    o, m = report["ours"], report["mango_jwt"]
    report["ratios"] = {
        "auth_get_rps": ratio(o["auth_get"]["ok_per_s"], m["auth_get"]["ok_per_s"]),
        "auth_get_p50": ratio(o["auth_get"]["p50_ms"], m["auth_get"]["p50_ms"]),
        "auth_get_p99": ratio(o["auth_get"]["p99_ms"], m["auth_get"]["p99_ms"]),
        "login_rps": ratio(o["login"]["ok_per_s"], m["login"]["ok_per_s"]),
        "signup_rps": ratio(o["signup"]["ok_per_s"], m["signup"]["ok_per_s"]),
        "storm_get_p99": ratio(o["storm_get"]["p99_ms"], m["storm_get"]["p99_ms"]),
        "storm_login_p99": ratio(o["storm_login"]["p99_ms"], m["storm_login"]["p99_ms"]),
        "peak_rss": ratio(o["peak_rss_mib"], m["peak_rss_mib"]),
        "ours_auth_get_vs_unguarded": ratio(o["auth_get"]["ok_per_s"],
                                            o["unguarded_get"]["ok_per_s"]),
    }

    verify_name = "token/verify"
    hash_name = next((n for n in micro if n.startswith("password_verify/django_pbkdf2_sha256/")),
                     None)
    cpu = {name: t["cpu"] for name, t in micro.items()}
    pbkdf2_ratio = ratio(cpu.get("pbkdf2_sha256/ours/29000"), cpu.get("pbkdf2_sha256/openssl/29000"))
    hash_seconds = cpu.get(hash_name) if hash_name else None
    login_bound = 0.9 * cores / hash_seconds if hash_seconds else None
    report["micro"] = {
        "token_verify_us": cpu[verify_name] * 1e6,
        "token_sign_us": cpu["token/sign"] * 1e6,
        "pbkdf2_ours_ms": cpu["pbkdf2_sha256/ours/29000"] * 1e3,
        "pbkdf2_openssl_ms": cpu["pbkdf2_sha256/openssl/29000"] * 1e3,
        "pbkdf2_ratio": pbkdf2_ratio,
        "hash_benchmark": hash_name,
        "hash_ms": hash_seconds * 1e3 if hash_seconds else None,
        "login_bound_per_s": login_bound,
        "all": micro,
        "context": micro_context,
    }
    r = report["ratios"]
    s = report["scale"]

    def target(name, value, text, met):
        return {"name": name, "value": value, "target": text, "met": met}

    scale_change = max(abs(1 - s["auth_get_ratio"]), abs(1 - s["login_ratio"]))
    targets = [
        target("auth GET / unguarded", r["ours_auth_get_vs_unguarded"], ">= 0.9",
               r["ours_auth_get_vs_unguarded"] >= 0.9),
        target("auth GET / Mango-JWT", r["auth_get_rps"], ">= 50", r["auth_get_rps"] >= 50),
        target("token verify us", report["micro"]["token_verify_us"], "<= 1.5",
               report["micro"]["token_verify_us"] <= 1.5),
        target("PBKDF2 ours / OpenSSL", pbkdf2_ratio, "<= 0.4", pbkdf2_ratio <= 0.4),
        target("login/s", o["login"]["ok_per_s"],
               f">= {login_bound:,.0f}" if login_bound else "-",
               o["login"]["ok_per_s"] >= login_bound if login_bound else None),
        target("storm GET p99 ms", o["storm_get"]["p99_ms"], "< 10", o["storm_get"]["p99_ms"] < 10),
        target("peak RSS MiB", o["peak_rss_mib"], "< 64", o["peak_rss_mib"] < 64),
        target("scale: worst change", scale_change, "<= 0.10", scale_change <= 0.10),
    ]
    if report.get("soak"):
        g = report["soak"]["growth_pct"]
        targets.append(target("soak RSS growth %", g, "<= 5", abs(g) <= 5))
    report["targets"] = targets

    cpu_model = "?"
    try:
        cpu_model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    report["machine"] = {"nproc": cores, "cpu": cpu_model, "kernel": platform.release(),
                         "date": datetime.datetime.now(datetime.timezone.utc)
                         .strftime("%Y-%m-%d %H:%M UTC")}
    report["settings"] = {
        "mode": "quick" if profile.quick else "default", "soak": profile.soak,
        "users": profile.users, "scale_users": profile.scale_users,
        "wrk_seconds": profile.duration, "wrk_threads": profile.wrk_threads,
        "get_connections": profile.get_connections,
        "login_connections": profile.login_connections,
        "signup_connections": profile.signup_connections,
        "storm_get_connections": profile.storm_get_connections,
        "gunicorn_workers": 2 * cores + 1, "pbkdf2_rounds": PASSLIB_ROUNDS,
        "user_cache_seconds": cache_text, "micro_min_time_s": profile.micro_min_time,
    }
    report["seconds"] = time.time() - started
    report["machine"]["loadavg_before"] = " ".join(load_before)
    report["machine"]["loadavg_after"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    report["notes"] = (
        f"{report['machine']['date']}, nproc {cores}, {cpu_model}; {report['settings']['mode']} run, "
        f"{profile.users} users, wrk {profile.duration} s/run, gunicorn {2 * cores + 1} sync "
        f"workers, ours: defaults but user_cache_seconds {cache_text}, pbkdf2 {PASSLIB_ROUNDS}; "
        f"database: {args.database}; servers and wrk share the machine (load average "
        f"{report['machine']['loadavg_before']} before, {report['machine']['loadavg_after']} "
        f"after); took {report['seconds']:.0f} s")

    # Every figure must have been produced.
    missing = [t["name"] for t in targets if t["value"] is None]
    if missing:
        raise RuntimeError("figures missing: " + ", ".join(missing))

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n")
    print(render(report))
    log(f"JSON written to {out}")


if __name__ == "__main__":
    main()
