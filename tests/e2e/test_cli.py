"""The mango-jwt subcommands (user, token, password, check-config) on real data dirs.

Each test runs the real binary as a subprocess with the same environment a server of the test
would get (conftest's Server: data dir, fast PBKDF2, and MongoDB when configured), so users made
by the CLI log in through a running server and the other way round.
"""
import base64
import concurrent.futures
import hashlib
import hmac
import json
import os
import pty
import re
import select
import subprocess
import time
import tomllib
from pathlib import Path

import pytest

from conftest import BINARY, ROOT, Server

VECTORS = Path(os.environ.get("MANGO_JWT_VECTORS_DIR", ROOT.parent / "shared" / "vectors"))
PBKDF2_29000 = "pbkdf2_sha256$29000$ltW40pd6zMWy$mtup/0xIzXH6DpfOt6urgaou/Z58yUCVgEF452iEXRc="
PBKDF2_29000_PASSWORD = ""  # the vector pw1-0001 above is a hash of the empty password


class Cli:
    """Runs `mango-jwt ...` with a server's environment (not necessarily a running server)."""

    def __init__(self, server):
        self.server = server

    def __call__(self, *args, input=None, env=None, timeout=120):
        environment = dict(self.server.env)
        # stderr holds the command's own message only (no driver chatter such as FerretDB's
        # "endSessions" warning at exit).
        environment["MANGO_JWT_LOG_LEVEL"] = "error"
        for key, value in (env or {}).items():  # None removes a variable
            if value is None:
                environment.pop(key, None)
            else:
                environment[key] = value
        if isinstance(input, str):
            input = input.encode()
        result = subprocess.run([str(BINARY), *args], input=input if input is not None else b"",
                                capture_output=True, env=environment, timeout=timeout)
        result.out = result.stdout.decode("utf-8", "replace")
        result.err = result.stderr.decode("utf-8", "replace")
        return result

    def json(self, *args, **kwargs):
        result = self(*args, **kwargs)
        assert result.returncode == 0, result.err
        return json.loads(result.out)


@pytest.fixture
def server_and_cli(make_server):
    """make(**settings) -> (server not started, its Cli)."""

    def make(**settings):
        server = make_server(start=False, **settings)
        return server, Cli(server)

    return make


@pytest.fixture
def cli(server_and_cli):
    return server_and_cli()[1]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(secret, payload, header=None):
    header = header or {"typ": "JWT", "alg": "HS256"}
    signing_input = (b64url(json.dumps(header).encode()) + "." +
                     b64url(json.dumps(payload).encode()))
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(signature)


# --- help -----------------------------------------------------------------------------------

COMMANDS = [["serve"], ["user"], ["user", "create"], ["user", "show"], ["user", "import"],
            ["token"], ["token", "issue"], ["token", "verify"], ["password"],
            ["password", "hash"], ["password", "check"], ["check-config"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command):
    result = subprocess.run([str(BINARY), *command, "--help"], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0 and "Usage:" in result.stdout
    if command[-1] not in ("user", "token", "password"):  # the groups have no settings
        if command[0] != "password":
            assert "--config" in result.stdout and "--data-dir" in result.stdout
        else:
            assert "--config" in result.stdout


def test_usage_errors_exit_2(cli):
    assert cli("user", "frobnicate").returncode == 2
    # There is no way to give a password in argv.
    result = cli("user", "create", "a@example.com", "--password", "pw")
    assert result.returncode == 2
    assert cli().returncode == 2


def test_bad_settings_exit_2_for_every_command(cli):
    for command in (["user", "show", "a@example.com"], ["token", "issue", "ID_x"],
                    ["token", "verify", "x"], ["password", "hash"], ["check-config"],
                    ["user", "import", "-"]):
        result = cli(*command, env={"MANGO_JWT_JWT_LIFE": "seven"}, input="pw\n")
        assert result.returncode == 2, command
        assert "jwt_life" in result.err, command


# --- user create ----------------------------------------------------------------------------

def test_user_created_with_the_cli_logs_in_through_the_server(server_and_cli):
    server, cli = server_and_cli()
    created = cli.json("user", "create", "cli@example.com", input="pw-123456\n")
    assert created["email"] == "cli@example.com" and created["id"].startswith("ID_")
    assert "password" not in created
    server.start()
    status, body = server.login("cli@example.com", "pw-123456")
    assert status == 200
    status, me = server.me(body["data"]["token"])
    assert status == 200 and me["data"]["id"] == created["id"]
    # And while the server runs: a second user, then both ways of uniqueness.
    cli.json("user", "create", "cli2@example.com", input="other-pw\n")
    assert server.login("cli2@example.com", "other-pw")[0] == 200
    assert server.signup("cli2@example.com")[0] == 405
    server.signup("web@example.com", "web-pw-1")
    result = cli("user", "create", "web@example.com", input="pw\n")
    assert result.returncode == 1 and "User already exists with this email" in result.err


def test_password_from_stdin_loses_one_newline_only(server_and_cli):
    server, cli = server_and_cli()
    password = "  spaced \t pass\n"  # leading/trailing blanks and a newline of its own
    cli.json("user", "create", "exact@example.com", input=password + "\n")
    server.start()
    assert server.login("exact@example.com", password)[0] == 200
    assert server.login("exact@example.com", password.strip())[0] == 403
    assert server.login("exact@example.com", password[:-1])[0] == 403


def test_empty_password_is_refused(cli):
    for stdin in ("", "\n"):
        result = cli("user", "create", "empty@example.com", input=stdin)
        assert result.returncode == 1 and "password is empty" in result.err
    assert cli("user", "show", "empty@example.com").returncode == 1


def test_required_fields_and_secondary_field(server_and_cli):
    server, cli = server_and_cli(fields="first_name,mobile", secondary_username_field="mobile")
    result = cli("user", "create", "f@example.com", "--field", "mobile=555", input="pw-1\n")
    assert result.returncode == 1 and "first_name" in result.err
    created = cli.json("user", "create", "f@example.com", "--field", "first_name=Ada",
                       "--field", "mobile=555", "--field", "ignored=x", input="pw-1\n")
    assert created["first_name"] == "Ada" and created["mobile"] == "555"
    assert "ignored" not in created  # only configured fields are stored, as signup does
    result = cli("user", "create", "g@example.com", "-f", "first_name=Bob", "-f", "mobile=555",
                 input="pw-2\n")
    assert result.returncode == 1 and "User already exists with this mobile" in result.err
    result = cli("user", "create", "h@example.com", "--field", "nonsense", input="pw\n")
    assert result.returncode == 2 and "key=value" in result.err
    server.start()
    assert server.login("555", "pw-1")[0] == 200


def read_prompt(fd, shown, number, timeout=20):
    """Reads the terminal until the `number`th password prompt (1-based) has been shown."""
    deadline = time.time() + timeout
    while not (shown.count(b"ssword") >= number and b": " in shown.rsplit(b"ssword", 1)[1]):
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.time()))
        if not ready:
            raise AssertionError(f"waited for password prompt {number}, saw {shown!r}")
        chunk = os.read(fd, 1024)
        if not chunk:
            break
        shown += chunk
    return shown


def run_on_terminal(cli, args, entries):
    """Runs the CLI with a pseudo-terminal as stdin and stderr; types `entries` at the prompts.
    (returncode, stdout, everything the terminal showed)."""
    master, slave = pty.openpty()
    env = dict(cli.server.env)
    process = subprocess.Popen([str(BINARY), *args], stdin=slave, stdout=subprocess.PIPE,
                               stderr=slave, env=env)
    os.close(slave)
    shown = b""
    try:
        for number, entry in enumerate(entries, 1):
            shown = read_prompt(master, shown, number)
            os.write(master, entry.encode() + b"\n")
        stdout, _ = process.communicate(timeout=60)
        try:
            while select.select([master], [], [], 0.2)[0]:
                shown += os.read(master, 4096)
        except OSError:
            pass
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    return process.returncode, stdout.decode(), shown.decode("utf-8", "replace")


def test_password_prompt_asks_twice_without_echo(server_and_cli):
    server, cli = server_and_cli()
    code, stdout, shown = run_on_terminal(cli, ["user", "create", "tty@example.com"],
                                          ["typed-secret-1", "typed-secret-1"])
    assert code == 0, shown
    assert "Password:" in shown and "Password (again):" in shown
    assert "typed-secret-1" not in shown  # no echo
    assert json.loads(stdout)["email"] == "tty@example.com"
    code, _, shown = run_on_terminal(cli, ["user", "create", "tty2@example.com"],
                                     ["first-entry", "second-entry"])
    assert code == 1 and "do not match" in shown
    server.start()
    assert server.login("tty@example.com", "typed-secret-1")[0] == 200


# --- user show ------------------------------------------------------------------------------

def test_user_show_by_email_id_and_secondary(server_and_cli):
    server, cli = server_and_cli(fields="mobile", secondary_username_field="mobile")
    created = cli.json("user", "create", "show@example.com", "--field", "mobile=777",
                       input="pw-show\n")
    for who in ("show@example.com", created["id"], "777"):
        shown = cli.json("user", "show", who)
        assert shown == created, who
        assert "password" not in shown
    with_hash = cli.json("user", "show", "--with-hash", "777")
    assert with_hash["password"].startswith("pbkdf2_sha256$1000$")
    for who in ("nobody@example.com", "ID_00000000-0000-4000-8000-000000000000", "778"):
        result = cli("user", "show", who)
        assert result.returncode == 1 and result.err.strip() == "mango-jwt: user not found"
        assert result.out == ""


def test_user_show_name_without_secondary_field_is_not_found(cli):
    cli.json("user", "create", "x@example.com", input="pw\n")
    result = cli("user", "show", "x")
    assert result.returncode == 1 and "user not found" in result.err


# --- user import ----------------------------------------------------------------------------

def exported(i, **overrides):
    """A user as mongoexport writes it from a Mango-JWT collection."""
    document = {"_id": {"$oid": f"{i:024x}"}, "id": f"ID_00000000-0000-4000-8000-{i:012d}",
                "email": f"user{i}@example.com", "password": PBKDF2_29000, "first_name": f"U{i}"}
    document.update(overrides)
    return json.dumps({k: v for k, v in document.items() if v is not None})


def test_import_good_duplicate_and_invalid_lines(server_and_cli, tmp_path):
    server, cli = server_and_cli(fields="first_name")
    existing = cli.json("user", "create", "user3@example.com", "--field", "first_name=Old",
                        input="pw-old\n")
    lines = [
        exported(1),                                   # 1 good
        exported(2),                                   # 2 good
        exported(3),                                   # 3 skipped: email exists in the store
        "",                                            # 4 blank: ignored
        exported(1, email="other@example.com"),        # 5 skipped: id of line 1
        exported(6, email="user2@example.com"),        # 6 skipped: email of line 2
        '{"id": "ID_x", "email": "bad@example.com"',   # 7 invalid: not JSON
        exported(8, id=None),                          # 8 invalid: no id
        exported(9, password="md5$abc$def"),           # 9 invalid: a scheme we do not verify
        exported(10, password="plaintext"),            # 10 invalid
        "[1, 2]",                                      # 11 invalid: not an object
        exported(12, email=12),                        # 12 invalid: email not a string
        exported(13, password="!unusable"),            # 13 good: unusable password kept
        exported(14, password="bcrypt$$2b$12$abcdefghijklmnopqrstuu5Q4i1A3A5zQmvQ0R2M0v4E5y4G3o5m"),
    ]
    file = tmp_path / "users.jsonl"
    file.write_text("\n".join(lines) + "\n")
    result = cli("user", "import", str(file))
    assert result.returncode == 1
    assert result.out.strip() == "imported 4, skipped 3 (already exist), invalid 6"
    invalid_lines = [int(n) for n in re.findall(r"^line (\d+): invalid: ", result.err, re.M)]
    assert invalid_lines == [7, 8, 9, 10, 11, 12]
    assert 'no "id"' in result.err and "not valid JSON" in result.err
    assert "not a JSON object" in result.err and '"email" is not a non-empty string' in result.err

    imported = cli.json("user", "show", "--with-hash", "user1@example.com")
    assert imported == {"id": "ID_00000000-0000-4000-8000-000000000001",
                        "email": "user1@example.com", "password": PBKDF2_29000,
                        "first_name": "U1"}  # _id dropped, hash kept as is
    assert cli.json("user", "show", "user3@example.com")["id"] == existing["id"]
    assert cli("user", "show", "other@example.com").returncode == 1

    # Importing again: everything valid is already there.
    result = cli("user", "import", str(file))
    assert result.out.strip() == "imported 0, skipped 7 (already exist), invalid 6"

    server.start()
    status, body = server.login("user1@example.com", PBKDF2_29000_PASSWORD)
    assert status == 200
    assert server.me(body["data"]["token"])[1]["data"]["id"] == imported["id"]
    assert server.login("user13@example.com", "")[0] == 403  # "!..." never verifies


def test_import_of_a_clean_file_exits_0_and_reads_stdin(cli):
    data = "\r\n".join(exported(i) for i in range(1, 4)) + "\r\n"  # CRLF lines
    result = cli("user", "import", "-", input="\ufeff" + data)
    assert result.returncode == 0, result.err
    assert result.out.strip() == "imported 3, skipped 0 (already exist), invalid 0"
    assert cli.json("user", "show", "user2@example.com")["first_name"] == "U2"


def test_import_reports_progress_every_10000_lines(cli, tmp_path):
    # One new user and 10,000 lines repeating its email: fast, and the first line wins.
    file = tmp_path / "many.jsonl"
    with file.open("w") as out:
        for i in range(1, 10002):
            out.write(exported(i, email="same@example.com") + "\n")
    result = cli("user", "import", str(file))
    assert result.returncode == 0, result.err
    assert result.out.strip() == "imported 1, skipped 10000 (already exist), invalid 0"
    assert "import: 10000 lines read: 1 imported, 9999 skipped, 0 invalid" in result.err
    assert cli.json("user", "show", "same@example.com")["id"].endswith("000000000001")


def test_import_missing_file_exits_2(cli, tmp_path):
    result = cli("user", "import", str(tmp_path / "nope.jsonl"))
    assert result.returncode == 2 and "cannot open" in result.err


# --- token ----------------------------------------------------------------------------------

def test_token_issue_and_verify(server_and_cli):
    server, cli = server_and_cli(jwt_life="0.5")
    user = cli.json("user", "create", "tok@example.com", input="pw-tok\n")
    issued = cli("token", "issue", user["id"])
    assert issued.returncode == 0, issued.err
    token = issued.out.strip()
    before = time.time()
    payload = cli.json("token", "verify", token)
    assert payload["id"] == user["id"]
    assert abs(payload["exp"] - (before + 12 * 3600)) < 60
    assert payload["exp_utc"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(payload["exp"]))
    assert cli.json("token", "verify", "Bearer " + token)["id"] == user["id"]
    assert cli.json("token", "verify", "-", input=token + "\n")["id"] == user["id"]
    server.start()
    assert server.me(token)[0] == 200  # the server accepts what the CLI issued
    login_token = server.login("tok@example.com", "pw-tok")[1]["data"]["token"]
    assert cli.json("token", "verify", login_token)["id"] == user["id"]  # and the other way


def test_token_verify_exit_codes_and_reasons(cli):
    user = cli.json("user", "create", "v@example.com", input="pw\n")
    token = cli("token", "issue", user["id"]).out.strip()
    secret = cli.server.secret
    cases = {
        "expired": forge(secret, {"id": user["id"], "exp": int(time.time()) - 10}),
        "bad signature": token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),
        "malformed": "not-a-token",
        "algorithm not allowed (HS256 only)": forge(secret, {"id": user["id"]},
                                       {"typ": "JWT", "alg": "none"}),
        "no user id": forge(secret, {"exp": int(time.time()) + 60}),
    }
    for reason, bad in cases.items():
        result = cli("token", "verify", bad)
        assert result.returncode == 1, reason
        assert result.err.strip() == "invalid token: " + reason
        assert result.out == ""
    assert cli("token", "verify", token).returncode == 0


def test_token_issue_checks_the_user(cli):
    cli.json("user", "create", "exists@example.com", input="pw\n")  # creates the store and key
    result = cli("token", "issue", "ID_nobody")
    assert result.returncode == 1 and "user not found" in result.err and result.out == ""
    result = cli("token", "issue", "--no-check", "ID_nobody")
    assert result.returncode == 0
    assert cli.json("token", "verify", result.out.strip())["id"] == "ID_nobody"


def test_token_verify_without_a_key_does_not_make_one(cli):
    if "MANGO_JWT_JWT_SECRET" in cli.server.env:
        pytest.skip("a key is configured")
    result = cli("token", "verify", "a.b.c")
    assert result.returncode == 2 and "no signing key" in result.err
    assert not (cli.server.data_dir / "jwt_secret").exists()


# --- password -------------------------------------------------------------------------------

def password_vectors():
    """The shared vectors: the first three of each scheme and case, and every empty, NUL and
    space password (all of them with MANGO_JWT_TEST_ALL_VECTORS=1; slow: bcrypt and argon2)."""
    vectors = json.loads((VECTORS / "password_hashes.json").read_text())["vectors"]
    if os.environ.get("MANGO_JWT_TEST_ALL_VECTORS") == "1":
        return vectors
    chosen, seen = [], {}
    for vector in vectors:
        group = (vector["scheme"], vector["case"])
        seen[group] = seen.get(group, 0) + 1
        if seen[group] <= 3 or vector["password_label"].split("+")[0] in ("empty", "nul_inside",
                                                                           "spaces"):
            chosen.append(vector)
    return chosen


def test_password_check_against_the_vectors(tmp_path):
    # No store involved: run once, not once per store.
    cli = Cli(Server(tmp_path, "sqlite", {}))

    def check(vector):
        password = base64.b64decode(vector["password_b64"])
        result = cli("password", "check", "--hash", vector["hash"], input=password + b"\n")
        return vector, result

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for vector, result in pool.map(check, password_vectors()):
            expected = vector["expected_verify"]
            assert result.returncode == (0 if expected else 1), (vector["id"], result.err)
            assert result.out == ("match\n" if expected else "no match\n"), vector["id"]


def test_password_hash_uses_the_configured_scheme(cli):
    password = "correct horse\n"  # a newline of its own, kept
    hashed = cli("password", "hash", input=password + "\n")
    assert hashed.returncode == 0, hashed.err
    encoded = hashed.out.strip()
    assert re.fullmatch(r"pbkdf2_sha256\$1000\$[A-Za-z0-9]{12}\$[A-Za-z0-9+/]{43}=", encoded)
    assert cli("password", "check", "--hash", encoded, input=password + "\n").out == "match\n"
    assert cli("password", "check", "--hash", encoded, input=password).out == "no match\n"
    sha1 = cli("password", "hash", input="pw\n",
               env={"MANGO_JWT_PASSWORD_SCHEME": "pbkdf2_sha1"}).out.strip()
    assert sha1.startswith("pbkdf2_sha1$1000$")
    result = cli("password", "hash", input="\n")
    assert result.returncode == 1 and "empty" in result.err


def test_password_hash_verifies_in_a_server_login(server_and_cli, tmp_path):
    server, cli = server_and_cli()
    encoded = cli("password", "hash", input="imported-pw\n").out.strip()
    file = tmp_path / "one.jsonl"
    file.write_text(json.dumps({"id": "ID_00000000-0000-4000-8000-00000000abcd",
                                "email": "hashed@example.com", "password": encoded}) + "\n")
    assert cli("user", "import", str(file)).returncode == 0
    server.start()
    assert server.login("hashed@example.com", "imported-pw")[0] == 200


# --- check-config ---------------------------------------------------------------------------

def documented_keys():
    text = (ROOT / "docs" / "configuration.md").read_text()
    return set(re.findall(r"^\| `([a-z0-9_]+)` \| `MANGO_JWT_", text, re.M))


def test_check_config_prints_every_key_with_credentials_masked(cli, tmp_path):
    secret = "k" * 64
    config = tmp_path / "mango.toml"
    config.write_text('db_host = "mongo.internal"\ndb_port = 27017\ndb_name = "app"\n'
                      'db_user = "alice"\ndb_pass = "p@ss-word-xyz"\nfields = ["first_name"]\n'
                      f'jwt_secret = "{secret}"\njwt_life = 0.5\n')
    env = {k: "" for k in ("MANGO_JWT_DB_URI",)}
    env["MANGO_JWT_JWT_SECRET"] = secret
    result = cli("check-config", "--config", str(config), env=env)
    assert result.returncode == 0, result.err
    assert secret not in result.out and "p@ss-word-xyz" not in result.out
    values = tomllib.loads(result.out)
    assert values["jwt_secret"] == "****(64 chars)"
    assert values["db_pass"] == "****(13 chars)"
    assert values["db_host"] == "mongo.internal" and values["db_port"] == 27017
    assert values["fields"] == ["first_name"] and values["jwt_life"] == 0.5
    assert values["pbkdf2_rounds"] == 1000  # from the environment, over the defaults
    assert set(values) == documented_keys()  # every key, nothing else


def test_check_config_masks_the_uri_password(cli):
    env = {"MANGO_JWT_DB_URI": "mongodb://alice:s3cr3t-pw@h1:27017,h2/app?replicaSet=rs0"
                               "&tlsCertificateKeyFilePassword=keypw",
           "MANGO_JWT_JWT_SECRET": "z" * 40}
    result = cli("check-config", env=env)
    assert result.returncode == 0, result.err
    assert "s3cr3t-pw" not in result.out and "keypw" not in result.out
    values = tomllib.loads(result.out)
    assert values["db_uri"] == ("mongodb://alice:****@h1:27017,h2/app?replicaSet=rs0"
                                "&tlsCertificateKeyFilePassword=****")
    assert values["jwt_secret"] == "****(40 chars)"


def test_check_config_embedded_defaults_and_config_variable(cli, tmp_path):
    if "MANGO_JWT_DB_URI" in cli.server.env:
        pytest.skip("embedded store only")
    config = tmp_path / "from-variable.toml"
    config.write_text('url_prefix = "/api/auth"\nlisten = "[::1]:9000"\n')
    result = cli("check-config", env={"MANGO_JWT_CONFIG": str(config), "MANGO_JWT_LISTEN": None})
    assert result.returncode == 0, result.err
    values = tomllib.loads(result.out)
    assert values["url_prefix"] == "api/auth/" and values["listen"] == "[::1]:9000"
    assert values["jwt_secret"] == "" and "db_port" not in values
    assert values["data_dir"] == str(cli.server.data_dir)
    assert not (cli.server.data_dir / "jwt_secret").exists()  # checking creates nothing


@pytest.mark.parametrize("env, words", [
    ({"MANGO_JWT_JWT_SECRET": "secret"}, "allow_weak_secret"),
    ({"MANGO_JWT_JWT_SECRT": "x"}, "MANGO_JWT_JWT_SECRET"),
    ({"MANGO_JWT_DB_HOST": "h", "MANGO_JWT_DB_URI": ""}, "db_name"),
    ({"MANGO_JWT_PASSWORD_SCHEME": "md5"}, "password_scheme"),
])
def test_check_config_errors_exit_2(cli, env, words):
    result = cli("check-config", env=env)
    assert result.returncode == 2 and words in result.err
    assert "secret\n" not in result.out
