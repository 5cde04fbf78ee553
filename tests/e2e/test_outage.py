"""A database outage, for real: a private FerretDB is stopped under a running mango-jwt and
started again. Requests that need the database get 503 within db_timeout_ms, readiness follows
the database, the service recovers with no restart, and no signup answered 200 is lost."""
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ROOT, Server

FERRETDB = str(ROOT / "scripts" / "ferretdb")
BINARY_FERRETDB = Path.home() / ".cache" / "mango-jwt" / "bin" / "ferretdb"

pytestmark = pytest.mark.skipif(not BINARY_FERRETDB.exists(),
                                reason="FerretDB not installed (scripts/install-ferretdb)")


@pytest.fixture
def private_ferretdb(tmp_path):
    directory = tmp_path / "ferretdb"
    uri = subprocess.run([FERRETDB, "start", str(directory)], check=True, capture_output=True,
                         text=True, timeout=120).stdout.strip()
    yield directory, uri
    subprocess.run([FERRETDB, "stop", str(directory)], capture_output=True, timeout=60)


def ferretdb(command, directory):
    subprocess.run([FERRETDB, command, str(directory)], check=True, capture_output=True,
                   timeout=120)


def mongo_server(tmp_path, uri, **settings):
    server = Server(tmp_path, "sqlite", {"db_uri": uri, "jwt_secret": "k" * 40,
                                         "db_timeout_ms": 1500, "user_cache_seconds": 0,
                                         **settings})
    return server


def wait_until(predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_outage_gives_503_and_recovers_without_restart(tmp_path, private_ferretdb):
    directory, uri = private_ferretdb
    server = mongo_server(tmp_path, uri).start()
    try:
        answered_200 = []
        for i in range(5):
            status, _ = server.signup(f"before{i}@example.com")
            assert status == 200
            answered_200.append(f"before{i}@example.com")
        token = server.login("before0@example.com")[1]["data"]["token"]

        ferretdb("stop", directory)
        started = time.time()
        status, body = server.signup("during@example.com")
        assert status == 503, body
        assert body == {"data": {"error_msg": "The user store is unavailable; try again later."}}
        assert time.time() - started < 10  # bounded by db_timeout_ms, not a driver default
        assert server.login("before1@example.com")[0] == 503
        assert server.me(token)[0] == 503
        assert server.request("GET", "/readyz")[0] == 503

        ferretdb("start", directory)  # same port, same data
        assert wait_until(lambda: server.request("GET", "/readyz")[0] == 200, 60)
        assert wait_until(lambda: server.signup("after@example.com")[0] == 200, 30)
        answered_200.append("after@example.com")
        # A 503'd signup may be retried; every 200 is there.
        for email in answered_200:
            assert server.login(email)[0] == 200, email
        assert server.me(token)[0] == 200
    finally:
        server.stop()
    assert server.process.returncode == 0


def test_start_with_database_down_then_ready_when_it_comes(tmp_path, private_ferretdb):
    directory, uri = private_ferretdb
    ferretdb("stop", directory)
    server = mongo_server(tmp_path, uri).start()  # does not crash, listens
    try:
        assert server.request("GET", "/readyz")[0] == 503
        assert server.signup("early@example.com")[0] == 503
        ferretdb("start", directory)
        assert wait_until(lambda: server.request("GET", "/readyz")[0] == 200, 60)
        assert wait_until(lambda: server.signup("late@example.com")[0] == 200, 30)
        assert server.signup("late@example.com")[0] == 405  # still unique after the outage
        assert server.login("late@example.com")[0] == 200
    finally:
        server.stop()
