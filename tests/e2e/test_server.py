"""The server as an operator sees it: settings errors, secrets, limits, shutdown, health."""
import os
import socket
import stat
import subprocess
import time

import pytest

from conftest import BINARY, Server


def run_serve(env_settings, tmp_path, timeout=15):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MANGO_JWT_")}
    env["MANGO_JWT_DATA_DIR"] = str(tmp_path / "data")
    env["MANGO_JWT_LISTEN"] = "127.0.0.1:0"
    env.update({"MANGO_JWT_" + k.upper(): str(v) for k, v in env_settings.items()})
    return subprocess.run([str(BINARY), "serve"], env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_unknown_setting_stops_startup_naming_it(tmp_path):
    result = run_serve({"jwt_secrt": "x"}, tmp_path)
    assert result.returncode == 2
    assert "MANGO_JWT_JWT_SECRT" in result.stderr and "MANGO_JWT_JWT_SECRET" in result.stderr


def test_bad_config_file_value_names_the_key(tmp_path):
    config = tmp_path / "mango.toml"
    config.write_text('jwt_life = "seven"\n')
    result = subprocess.run([str(BINARY), "serve", "--config", str(config)], capture_output=True,
                            text=True, timeout=15,
                            env={k: v for k, v in os.environ.items()
                                 if not k.startswith("MANGO_JWT_")})
    assert result.returncode == 2 and "jwt_life" in result.stderr


@pytest.mark.parametrize("secret", ["secret", "short-key"])
def test_weak_secret_is_refused(tmp_path, secret):
    result = run_serve({"jwt_secret": secret}, tmp_path)
    assert result.returncode == 2 and "allow_weak_secret" in result.stderr


def test_weak_secret_allowed_with_a_warning(make_server):
    server = make_server(jwt_secret="secret", allow_weak_secret="true", log_level="info")
    server.signup("w@example.com")
    assert server.login("w@example.com")[0] == 200
    assert "jwt_secret is weak" in server.log.read_text()


def test_generated_secret_is_private_and_survives_restart(tmp_path):
    server = Server(tmp_path, "sqlite", {}).start()
    try:
        server.signup("keep@example.com")
        token = server.login("keep@example.com")[1]["data"]["token"]
    finally:
        server.stop()
    key_file = server.data_dir / "jwt_secret"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) == 64
    again = Server(tmp_path, "sqlite", {})
    again.port = server.port if False else again.port
    again.start()
    try:
        assert again.me(token)[0] == 200  # same key, same users after a restart
    finally:
        again.stop()


def test_default_password_hash_is_pbkdf2_600000(tmp_path):
    server = Server(tmp_path, "sqlite", {})
    del server.env["MANGO_JWT_PBKDF2_ROUNDS"]
    server.start()
    try:
        assert server.signup("default@example.com")[0] == 200
        assert server.login("default@example.com")[0] == 200
    finally:
        server.stop()
    import sqlite3
    with sqlite3.connect(server.data_dir / "users.sqlite3") as db:
        dump = "\n".join(str(row) for table in db.execute(
            "select name from sqlite_master where type='table'").fetchall()
            for row in db.execute(f'select * from "{table[0]}"').fetchall())
    assert "pbkdf2_sha256$600000$" in dump


def test_body_over_the_limit_is_413(make_server):
    server = make_server(max_body_bytes=1024)
    status, body, _ = server.request("POST", "/mongo_auth/signup/",
                                     {"email": "big@example.com", "password": "x" * 4000})
    assert status == 413 and "too large" in body["detail"]


def test_headers_over_the_limit_are_refused(server):
    status, _, _ = server.request("GET", "/mongo_auth/me/", headers={"X-Big": "a" * 20000})
    assert status == 431


def test_garbage_request_gets_400_and_server_survives(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        reply = s.recv(4096)
    assert reply.startswith(b"HTTP/1.1 400")
    assert server.signup("alive@example.com")[0] == 200


def test_idle_connection_is_closed(make_server):
    server = make_server(idle_timeout_seconds=1)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"POST /mongo_auth/login/ HTTP/1.1\r\nHost: x\r\n")  # and then nothing
        started = time.time()
        assert s.recv(4096) == b""  # closed by the server
        assert time.time() - started < 8


def test_unknown_path_is_404_json(server):
    status, body, _ = server.request("GET", "/nope")
    assert status == 404 and body == {"detail": "Not found."}


def test_health_and_readiness(server):
    assert server.request("GET", "/healthz")[0] == 200
    assert server.request("GET", "/readyz")[:2] == (200, {"status": "ready"})


def test_url_prefix_setting(make_server):
    server = make_server(url_prefix="/auth/v1")
    status, _, _ = server.request("POST", "/auth/v1/signup/",
                                  {"email": "p@example.com", "password": "pw"})
    assert status == 200
    assert server.request("POST", "/mongo_auth/signup/", {"email": "q@example.com",
                                                          "password": "pw"})[0] == 404


def test_sigterm_stops_cleanly(server):
    server.signup("bye@example.com")
    server.process.terminate()
    assert server.process.wait(timeout=10) == 0


def test_help_describes_every_option():
    top = subprocess.run([str(BINARY), "--help"], capture_output=True, text=True).stdout
    assert "serve" in top
    serve = subprocess.run([str(BINARY), "serve", "--help"], capture_output=True, text=True).stdout
    for option in ("--config", "--listen", "--data-dir"):
        assert option in serve
