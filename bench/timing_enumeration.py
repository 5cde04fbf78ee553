#!/usr/bin/env python3
"""Can a client tell an unknown username from a wrong password by the login latency?

Measures POST login/ latency for an unknown user and for a known user with a wrong password,
N requests each (default 500), interleaved in random order on one keep-alive connection, and
prints the distributions, the medians and their ratio (target: within 5%).

By default it starts its own server (build/app/mango-jwt, embedded store in a temporary
directory, throttling off so that 1,000 failures are all answered, PBKDF2 at --rounds).
With --url it measures a running server instead; that server must have the login throttle off
(login_throttle_pair_limit = login_throttle_address_limit = login_throttle_username_limit = 0),
or the failures get 429 after a few attempts.

    bench/timing_enumeration.py                       # own server, 600000 rounds (slow)
    bench/timing_enumeration.py --rounds 29000 -n 500
    bench/timing_enumeration.py --url http://127.0.0.1:8000 --prefix mongo_auth/

Exit status: 0 when the median ratio is within --tolerance, 1 when it is not, 2 when no figure
could be measured (the server did not start or answered something unexpected).
"""
import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die(message):
    print(f"timing_enumeration: {message}", file=sys.stderr)
    sys.exit(2)


def start_server(binary, rounds, data_dir):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MANGO_JWT_")}
    env.update({
        "MANGO_JWT_LISTEN": f"127.0.0.1:{port}",
        "MANGO_JWT_DATA_DIR": str(data_dir),
        "MANGO_JWT_PBKDF2_ROUNDS": str(rounds),
        "MANGO_JWT_LOG_LEVEL": "warn",
        "MANGO_JWT_LOGIN_THROTTLE_PAIR_LIMIT": "0",
        "MANGO_JWT_LOGIN_THROTTLE_ADDRESS_LIMIT": "0",
        "MANGO_JWT_LOGIN_THROTTLE_USERNAME_LIMIT": "0",
    })
    process = subprocess.Popen([str(binary), "serve"], env=env)
    deadline = time.time() + 20
    while time.time() < deadline:
        if process.poll() is not None:
            die(f"mango-jwt exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    process.kill()
    die("mango-jwt did not start listening")


class Client:
    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.conn = None

    def post(self, path, body):
        payload = json.dumps(body).encode()
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                started = time.perf_counter()
                self.conn.request("POST", path, body=payload,
                                  headers={"Content-Type": "application/json"})
                response = self.conn.getresponse()
                text = response.read()
                elapsed = time.perf_counter() - started
                return response.status, text, elapsed
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise RuntimeError("unreachable")


def describe(name, samples):
    ms = sorted(s * 1000 for s in samples)
    q = statistics.quantiles(ms, n=20)
    return (f"{name:<16} n={len(ms):4d}  min {ms[0]:8.2f}  p5 {q[0]:8.2f}  median "
            f"{statistics.median(ms):8.2f}  p95 {q[-1]:8.2f}  max {ms[-1]:8.2f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server (throttling off); default: start one")
    parser.add_argument("--binary", default=os.environ.get("MANGO_JWT_BINARY",
                                                           ROOT / "build" / "app" / "mango-jwt"))
    parser.add_argument("--rounds", type=int, default=600000, help="PBKDF2 rounds of own server")
    parser.add_argument("--prefix", default="mongo_auth/")
    parser.add_argument("-n", "--requests", type=int, default=500, help="per kind")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--tolerance", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()

    process = None
    temporary = None
    url = args.url
    if not url:
        temporary = tempfile.TemporaryDirectory(prefix="mango-timing-")
        process, url = start_server(args.binary, args.rounds, Path(temporary.name) / "data")
    try:
        prefix = "/" + args.prefix.strip("/") + "/"
        client = Client(url)
        email = f"timing-{uuid.uuid4().hex[:12]}@example.com"
        status, text, _ = client.post(prefix + "signup/", {"email": email,
                                                           "password": "the-right-password"})
        if status != 200:
            die(f"signup failed: {status} {text[:200]!r}")

        def unknown():
            return {"username": f"nobody-{uuid.uuid4().hex[:12]}@example.com",
                    "password": "some-password"}

        def wrong():
            return {"username": email, "password": "some-password"}

        kinds = {"unknown user": unknown, "wrong password": wrong}
        rng = random.Random(args.seed)
        for _ in range(args.warmup):
            for make in kinds.values():
                client.post(prefix + "login/", make())
        samples = {name: [] for name in kinds}
        order = [name for name in kinds for _ in range(args.requests)]
        rng.shuffle(order)
        for name in order:
            status, text, elapsed = client.post(prefix + "login/", kinds[name]())
            if status == 429:
                die("the server throttles failed logins (429): measure a server with the "
                         "login_throttle_* limits set to 0")
            if status not in (401, 403):
                die(f"unexpected answer {status} {text[:200]!r}")
            samples[name].append(elapsed)

        print(f"# {url}  {args.requests} requests per kind, interleaved at random"
              + (f", PBKDF2 {args.rounds} rounds" if process else ""))
        for name, values in samples.items():
            print(describe(name, values))
        unknown_median = statistics.median(samples["unknown user"])
        wrong_median = statistics.median(samples["wrong password"])
        ratio = unknown_median / wrong_median
        within = abs(ratio - 1) <= args.tolerance
        print(f"median ratio unknown/wrong = {ratio:.4f} "
              f"({'within' if within else 'OUTSIDE'} {args.tolerance:.0%})")
        return 0 if within else 1
    finally:
        if process:
            process.terminate()
            process.wait(timeout=10)
        if temporary:
            temporary.cleanup()


if __name__ == "__main__":
    sys.exit(main())
