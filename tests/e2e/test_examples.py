"""The examples under examples/, run as their own processes and driven over HTTP.

Binaries come from MANGO_EXAMPLES_DIR, each at <dir>/<folder>/<binary>; by default, the
examples/ folder of the build that made MANGO_JWT_BINARY (so the e2e suite covers them).
MANGO_EXAMPLE_<FOLDER> (e.g. MANGO_EXAMPLE_GET_TEST) points one example at another binary, e.g.
one built out of tree against an installed mango-jwt (scripts/examples-test does both).
A missing binary fails the test; only a default build made without examples
(MANGO_BUILD_EXAMPLES=OFF) skips them.
"""
import json
import os
import subprocess
import time
import socket
from pathlib import Path

import pytest

from conftest import BINARY, Server

EXAMPLES_DIR = Path(os.environ.get("MANGO_EXAMPLES_DIR", BINARY.parent.parent / "examples"))
SKIP_ALL = "MANGO_EXAMPLES_DIR" not in os.environ and not EXAMPLES_DIR.is_dir()
BINARIES = {
    "get_test": "mango-example-get-test",
    "collection_service": "mango-example-collection-service",
    "httplib_guard": "mango-example-httplib-guard",
}
# Run only these examples (comma-separated folder names); default: all.
ONLY = [name for name in os.environ.get("MANGO_EXAMPLES_ONLY", "").split(",") if name]


def binary(folder):
    override = os.environ.get("MANGO_EXAMPLE_" + folder.upper())
    return Path(override) if override else EXAMPLES_DIR / folder / BINARIES[folder]


class ExampleServer(Server):
    """Server from conftest (settings, requests, stop), started as an example binary."""

    def __init__(self, tmp_path, store, folder, settings=None, env=None):
        super().__init__(tmp_path, store, settings or {})
        self.folder = folder
        self.env.update(env or {})

    def start(self, timeout=20):
        path = binary(self.folder)
        assert path.exists(), f"example binary not built: {path}"
        self.process = subprocess.Popen([str(path)], env=self.env, stdout=open(self.log, "ab"),
                                        stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{path.name} exited with {self.process.returncode}:\n"
                                   + self.log.read_text())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{path.name} did not start listening:\n" + self.log.read_text())


@pytest.fixture
def example(tmp_path, store):
    started = []

    def start(folder, **env):
        if SKIP_ALL and not os.environ.get("MANGO_EXAMPLE_" + folder.upper()):
            pytest.skip(f"no examples built next to {BINARY} (MANGO_BUILD_EXAMPLES=OFF)")
        if ONLY and folder not in ONLY:
            pytest.skip(f"MANGO_EXAMPLES_ONLY does not include {folder}")
        server = ExampleServer(tmp_path / f"e{len(started)}", store, folder, env=env)
        server.tmp_path.mkdir(parents=True, exist_ok=True)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


def token_for(server, email):
    status, body = server.signup(email)
    assert status == 200, body
    status, body = server.login(email)
    assert status == 200, body
    return body["data"]["token"]


def get(server, path, token=None):
    headers = {"Authorization": token} if token else {}
    status, body, headers = server.request("GET", path, headers=headers)
    return status, body, headers


REFUSED = {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize("path", ["/api/test/", "/api/test-fn/"])
def test_get_test_answers_the_user_both_ways(example, path):
    server = example("get_test")
    token = token_for(server, "ada@example.com")
    status, body, _ = get(server, path, token)
    assert status == 200
    assert body["data"]["email"] == "ada@example.com"
    assert body["data"]["id"].startswith("ID_")
    assert set(body["data"]) == {"id", "email"}  # no password, no _id
    assert get(server, path, "Bearer " + token)[0] == 200
    assert get(server, path)[:2] == (403, REFUSED)
    assert get(server, path, token[:-2] + "xx")[:2] == (403, REFUSED)


def test_get_test_view_answers_405_for_verbs_it_does_not_serve(example):
    server = example("get_test")
    token = token_for(server, "bob@example.com")
    status, body, headers = server.request("POST", "/api/test/", {"x": 1},
                                           headers={"Authorization": token})
    assert status == 405
    assert body == {"detail": 'Method "POST" not allowed.'}
    assert headers.get("Allow") == "GET"


def test_collection_service_reads_its_collection(example, store):
    server = example("collection_service", EXAMPLE_COLLECTION="orders")
    token = token_for(server, "cy@example.com")
    assert get(server, "/api/orders/")[:2] == (403, REFUSED)
    if store == "sqlite":
        status, body, _ = get(server, "/api/orders/", token)
        assert status == 501
        assert "needs MongoDB" in body["detail"]
        return
    for i in range(12):
        status, body, _ = server.request("POST", "/api/orders/", {"n": i, "item": "tea"},
                                         headers={"Authorization": token})
        assert status == 201, body
    status, body, _ = get(server, "/api/orders/", token)
    assert status == 200
    assert len(body["data"]) == 10
    assert all("_id" not in document for document in body["data"])
    numbers = [document["n"] for document in body["data"]]
    assert len(set(numbers)) == 10 and set(numbers) <= set(range(12))


def test_httplib_example_guards_with_the_authenticator(example):
    server = example("httplib_guard")
    token = token_for(server, "dee@example.com")  # signup/login forwarded to mango's router
    status, body, _ = get(server, "/api/test/", token)
    assert status == 200
    assert body["data"]["email"] == "dee@example.com"
    status, body, headers = get(server, "/api/test/")
    assert (status, body, headers.get("X-Auth-Failure")) == (403, REFUSED, "no token")
    status, body, headers = get(server, "/api/test/", "not.a.token")
    assert (status, body) == (403, REFUSED)
    # Mango-JWT's own answers come through unchanged.
    status, body = server.signup("dee@example.com")
    assert (status, body) == (405, {"data": {"error_msg": "User already exists with this email"}})
    status, body = server.login("nobody@example.com")
    assert (status, body) == (403, {"data": {"error_msg": "User not found"}})
