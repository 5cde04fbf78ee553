"""Issue 7 over real sockets: RFC 8725 token settings, uniform errors, failed-login throttling
(per username and address, 127.0.0.1 vs 127.0.0.2), and hostile input. Every hostile request must
get a 4xx with a clear message or a closed connection, and the server must still answer after.
No timing assertions here: latency is measured by bench/timing_enumeration.py.
"""
import base64
import hashlib
import hmac
import http.client
import json
import re
import socket
import threading
import time

import pytest

OTHER_ADDRESS = "127.0.0.2"  # Linux routes all of 127/8 to lo


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(payload, secret, header=None):
    header = header or {"typ": "JWT", "alg": "HS256"}
    signing_input = (b64(json.dumps(header, separators=(",", ":")).encode()) + "." +
                     b64(json.dumps(payload, separators=(",", ":")).encode()))
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(signature)


def request_from(server, source, method, path, body=None, headers=None, form=False):
    """Like Server.request, from the local address `source`."""
    headers = dict(headers or {})
    payload = None
    if body is not None:
        if form:
            from urllib.parse import urlencode
            payload = urlencode(body).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        else:
            payload = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30,
                                      source_address=(source, 0))
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


def login_from(server, source, username, password="pw-123456", headers=None):
    return request_from(server, source, "POST", "/mongo_auth/login/",
                        {"username": username, "password": password}, headers=headers)


def raw_exchange(server, data, timeout=10):
    """Sends raw bytes; returns what the server answered before closing (b"" if it just closed)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        chunks = []
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks) and b"Connection: close" not in b"".join(chunks):
                    # A keep-alive answer: stop once the body is in.
                    head, _, rest = b"".join(chunks).partition(b"\r\n\r\n")
                    match = re.search(rb"Content-Length: (\d+)", head, re.I)
                    if match and len(rest) >= int(match.group(1)):
                        break
        except ConnectionResetError:
            pass
        return b"".join(chunks)


def assert_alive(server):
    assert server.request("GET", "/healthz")[0] == 200


# --- RFC 8725 settings ----------------------------------------------------------------------

def test_token_without_exp_is_refused_unless_configured(make_server):
    strict = make_server()
    user = strict.signup("noexp@example.com")[1]["data"]
    no_exp = forge({"id": user["id"]}, strict.secret)
    assert strict.me(no_exp)[0] == 403
    assert strict.me(forge({"id": user["id"], "exp": int(time.time()) + 60}, strict.secret))[0] == 200

    lenient = make_server(jwt_require_exp="false")
    user = lenient.signup("noexp@example.com")[1]["data"]
    assert lenient.me(forge({"id": user["id"]}, lenient.secret)) == (200, {"data": user})


def test_leeway_accepts_a_slightly_expired_token(make_server):
    strict = make_server()
    user = strict.signup("skew@example.com")[1]["data"]
    late = forge({"id": user["id"], "exp": int(time.time()) - 5}, strict.secret)
    assert strict.me(late)[0] == 403

    skewed = make_server(jwt_leeway_seconds=60)
    user = skewed.signup("skew@example.com")[1]["data"]
    late = forge({"id": user["id"], "exp": int(time.time()) - 5}, skewed.secret)
    assert skewed.me(late)[0] == 200
    too_late = forge({"id": user["id"], "exp": int(time.time()) - 120}, skewed.secret)
    assert skewed.me(too_late)[0] == 403
    early = forge({"id": user["id"], "exp": int(time.time()) + 600,
                   "nbf": int(time.time()) + 30}, skewed.secret)
    assert skewed.me(early)[0] == 200  # nbf within the leeway


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "HS384", "HS512", "RS256"])
def test_only_hs256_tokens_are_accepted_over_http(server, alg):
    user = server.signup("alg@example.com")[1]["data"]
    token = forge({"id": user["id"], "exp": int(time.time()) + 60}, server.secret,
                  header={"typ": "JWT", "alg": alg})
    assert server.me(token)[0] == 403
    assert server.me(token.rsplit(".", 1)[0] + ".")[0] == 403


# --- uniform errors -------------------------------------------------------------------------

INVALID = {"detail": "Invalid credentials."}


def test_uniform_errors_do_not_tell_unknown_users_from_wrong_passwords(make_server):
    server = make_server(uniform_errors="true", secondary_username_field="mobile", fields="mobile")
    assert server.signup("u@example.com", mobile="555")[0] == 200
    answers = []
    for username, password in [("nobody@example.com", "pw-123456"), ("u@example.com", "wrong"),
                               ("556", "pw-123456"), ("555", "wrong")]:
        status, body, headers = server.request("POST", "/mongo_auth/login/",
                                               {"username": username, "password": password})
        answers.append((status, body, headers.get("WWW-Authenticate")))
    assert answers == [(401, INVALID, "Bearer")] * 4
    assert server.login("u@example.com")[0] == 200


def test_uniform_errors_for_signup_missing_fields_and_guard(make_server):
    server = make_server(uniform_errors="true", secondary_username_field="mobile", fields="mobile")
    assert server.signup("taken@example.com", mobile="1")[0] == 200
    taken_email = server.signup("taken@example.com", mobile="2")
    taken_mobile = server.signup("other@example.com", mobile="1")
    assert taken_email == taken_mobile == (409, {"detail": "Could not sign up with these details."})
    assert server.post("signup/", {"password": "x"}) == (400, {"detail": "Email does not exist."})
    assert server.post("login/", {"username": "a@b.c"}) == (
        400, {"detail": "Password does not exist."})
    status, body, headers = server.request("GET", "/mongo_auth/me/")
    assert status == 401 and headers.get("WWW-Authenticate") == "Bearer" and "detail" in body
    status, _, headers = server.request("GET", "/mongo_auth/me/",
                                        headers={"Authorization": "Bearer garbage"})
    assert status == 401 and headers.get("WWW-Authenticate") == "Bearer"


def test_default_errors_stay_mango_jwts(server):
    server.signup("compat@example.com")
    assert server.login("nobody@example.com") == (403, {"data": {"error_msg": "User not found"}})
    assert server.login("compat@example.com", "wrong") == (
        403, {"error_msg": "Entered Password is incorrect"})


# --- throttling of failed logins ----------------------------------------------------------------

THROTTLED = re.compile(r"^Too many failed attempts; retry in (\d+) seconds\.$")


def assert_throttled(answer, at_most=60):
    status, body, headers = answer
    assert status == 429, answer
    retry_after = int(headers["Retry-After"])
    assert 1 <= retry_after <= at_most
    match = THROTTLED.match(body["detail"])
    assert match and int(match.group(1)) == retry_after


def throttled_server(make_server, **settings):
    base = {"login_throttle_pair_limit": 3, "login_throttle_base_delay_seconds": 60}
    base.update(settings)
    return make_server(**base)


def test_a_user_locked_on_one_address_still_logs_in_from_another(make_server):
    server = throttled_server(make_server)
    server.signup("victim@example.com")
    for _ in range(3):
        assert login_from(server, OTHER_ADDRESS, "victim@example.com", "guess")[0] == 403
    # The attacker's address is refused, even with the right password...
    assert_throttled(login_from(server, OTHER_ADDRESS, "victim@example.com", "guess"))
    assert_throttled(login_from(server, OTHER_ADDRESS, "victim@example.com"))
    # ...while the user on their own address is not.
    status, body, _ = login_from(server, "127.0.0.1", "victim@example.com")
    assert status == 200 and "token" in body["data"]


def test_unknown_usernames_are_throttled_like_known_ones(make_server):
    server = throttled_server(make_server)
    server.signup("known@example.com")
    for username in ["known@example.com", "unknown@example.com"]:
        for _ in range(3):
            assert login_from(server, OTHER_ADDRESS, username, "guess")[0] == 403
        assert_throttled(login_from(server, OTHER_ADDRESS, username, "guess"))


def test_successful_login_resets_the_pairs_failures(make_server):
    server = throttled_server(make_server)
    server.signup("reset@example.com")
    for _ in range(3):
        for _ in range(2):
            assert login_from(server, OTHER_ADDRESS, "reset@example.com", "typo")[0] == 403
        assert login_from(server, OTHER_ADDRESS, "reset@example.com")[0] == 200
    assert login_from(server, OTHER_ADDRESS, "reset@example.com", "typo")[0] == 403


def test_address_limit_catches_password_spraying(make_server):
    server = throttled_server(make_server, login_throttle_address_limit=4)
    for i in range(4):
        assert login_from(server, OTHER_ADDRESS, f"spray{i}@example.com", "guess")[0] == 403
    assert_throttled(login_from(server, OTHER_ADDRESS, "spray-next@example.com", "guess"))
    assert login_from(server, "127.0.0.1", "spray-next@example.com", "guess")[0] == 403


def test_zero_limits_disable_throttling(make_server):
    server = make_server(login_throttle_pair_limit=0, login_throttle_address_limit=0,
                         login_throttle_username_limit=0)
    server.signup("free@example.com")
    for _ in range(12):
        assert login_from(server, OTHER_ADDRESS, "free@example.com", "guess")[0] == 403
    assert login_from(server, OTHER_ADDRESS, "free@example.com")[0] == 200


def test_proxy_header_is_believed_only_from_trusted_proxies(make_server):
    server = throttled_server(make_server, login_throttle_pair_limit=2,
                              trusted_proxy_header="X-Forwarded-For",
                              trusted_proxies="127.0.0.1")
    server.signup("proxied@example.com")
    # Through the trusted proxy (127.0.0.1): each client behind it is counted on its own.
    behind = {"X-Forwarded-For": "198.51.100.7, 203.0.113.5"}  # the proxy saw 203.0.113.5
    for _ in range(2):
        assert login_from(server, "127.0.0.1", "proxied@example.com", "guess", behind)[0] == 403
    assert_throttled(login_from(server, "127.0.0.1", "proxied@example.com", "guess", behind))
    other_client = {"X-Forwarded-For": "203.0.113.6"}
    assert login_from(server, "127.0.0.1", "proxied@example.com", headers=other_client)[0] == 200
    # From an untrusted address the header is ignored: changing it does not escape the count.
    for i in range(2):
        spoof = {"X-Forwarded-For": f"192.0.2.{i}"}
        assert login_from(server, OTHER_ADDRESS, "proxied@example.com", "guess", spoof)[0] == 403
    assert_throttled(login_from(server, OTHER_ADDRESS, "proxied@example.com", "guess",
                                {"X-Forwarded-For": "192.0.2.99"}))


# --- hostile input ------------------------------------------------------------------------------

def test_body_over_the_limit_is_413_and_server_survives(server):
    status, body, _ = server.request("POST", "/mongo_auth/signup/",
                                     raw=b'{"email": "' + b"a" * 200000 + b'"}',
                                     headers={"Content-Type": "application/json"})
    assert status == 413 and "too large" in body["detail"]
    assert_alive(server)


def test_headers_over_the_limit_are_431(server):
    status, body, _ = server.request("GET", "/healthz", headers={"X-Big": "a" * 20000})
    assert status == 431 and "too large" in body["detail"]
    many = {f"X-H{i}": "v" * 20 for i in range(1000)}
    assert server.request("GET", "/healthz", headers=many)[0] == 431
    assert_alive(server)


def test_long_url_is_refused(server):
    reply = raw_exchange(server, b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reply == b"" or re.match(rb"HTTP/1.1 4\d\d", reply), reply[:200]
    assert_alive(server)


@pytest.mark.parametrize("content_type, body", [
    ("application/x-www-form-urlencoded",
     "&".join(f"f{i}=v" for i in range(1000)) + "&email=many@example.com&password=pw-123456"),
    ("application/json",
     json.dumps({**{f"f{i}": "v" for i in range(1000)}, "email": "many@example.com",
                 "password": "pw-123456"})),
], ids=["form", "json"])
def test_many_fields_are_400(server, content_type, body):
    status, parsed, _ = server.request("POST", "/mongo_auth/signup/", raw=body.encode(),
                                       headers={"Content-Type": content_type})
    assert (status, parsed) == (400, {"error_msg": "Too many fields."})
    # A realistic number of extra fields is fine.
    fields = {f"f{i}": "v" for i in range(50)}
    assert server.post("signup/", {**fields, "email": "some@example.com",
                                   "password": "pw-123456"})[0] == 200
    assert_alive(server)


@pytest.mark.parametrize("depth", [1000, 30000])
def test_deep_json_is_400(server, depth):
    body = b'{"email": ' + b"[" * depth + b"]" * depth + b', "password": "x"}'
    status, parsed, _ = server.request("POST", "/mongo_auth/signup/", raw=body,
                                       headers={"Content-Type": "application/json"})
    assert 400 <= status < 500, (status, parsed)
    assert_alive(server)


@pytest.mark.parametrize("length", [1024, 4096])
def test_long_passwords_are_accepted_and_never_truncated(server, length):
    password = ("p" * (length - 1)) + "!"
    email = f"long{length}@example.com"
    assert server.signup(email, password)[0] == 200
    assert server.login(email, password)[0] == 200
    assert server.login(email, password[:-1] + "?")[0] == 403  # only the last byte differs
    assert server.login(email, password[:-1])[0] == 403


def test_password_over_4096_bytes_is_400(server):
    status, body = server.signup("toolong@example.com", "p" * 4097)
    assert status == 400 and "Password" in body["error_msg"]
    assert server.login("toolong@example.com", "p" * 4097)[0] == 400


def test_invalid_utf8_in_json_is_400(server):
    body = b'{"email": "bad\xff@example.com", "password": "pw"}'
    status, parsed, _ = server.request("POST", "/mongo_auth/signup/", raw=body,
                                       headers={"Content-Type": "application/json"})
    assert status == 400 and "error_msg" in parsed
    status, _, _ = server.request("POST", "/mongo_auth/login/",
                                  raw=b'{"username": "x\xc0\xaf@example.com", "password": "pw"}',
                                  headers={"Content-Type": "application/json"})
    assert status == 400
    assert_alive(server)


def test_invalid_utf8_in_form_bodies_is_400(server):
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, parsed, _ = server.request("POST", "/mongo_auth/signup/",
                                       raw=b"email=bad%FF@example.com&password=pw", headers=form)
    assert status == 400 and "error_msg" in parsed, (status, parsed)
    status, _, _ = server.request("POST", "/mongo_auth/login/",
                                  raw=b"username=bad%FF@example.com&password=pw", headers=form)
    assert status == 400
    assert_alive(server)


def test_nul_bytes_in_values_are_kept_or_refused_never_truncated(server):
    # An email with a NUL is stored whole: the part before it names nobody.
    assert server.signup("nul\u0000x@example.com", "pw-123456")[0] == 200
    assert server.login("nul\u0000x@example.com")[0] == 200
    assert server.login("nul")[0] == 403
    assert server.signup("nul\u0000y@example.com", "pw-123456")[0] == 200  # not the same email
    # Passwords with NUL are refused: PBKDF2's HMAC would equate "pw" and "pw\0".
    status, body = server.signup("nulpw@example.com", "pw\u0000tail")
    assert (status, body) == (400, {"error_msg": "Password must not contain NUL bytes."})
    assert server.signup("nulpw@example.com", "pw")[0] == 200
    assert server.login("nulpw@example.com", "pw\u0000")[0] == 400
    assert server.login("nulpw@example.com", "pw")[0] == 200
    assert_alive(server)


def test_operator_objects_at_login_are_400_with_a_secondary_field(make_server):
    server = make_server(secondary_username_field="mobile", fields="mobile")
    server.signup("op@example.com", mobile="777")
    for username in [{"$ne": None}, {"$gt": ""}, ["777"], 777, None]:
        status, body = server.post("login/", {"username": username, "password": "pw-123456"})
        assert status == 400 and body == {"error_msg": "Username must be a string."}, username
    status, body = server.post("login/", {"username": "777", "password": {"$ne": None}})
    assert status == 400 and body == {"error_msg": "Password must be a string."}


def test_slowloris_does_not_stop_a_normal_client(make_server):
    server = make_server(idle_timeout_seconds=4)
    stop = threading.Event()
    sockets = []
    for _ in range(64):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        s.sendall(b"POST /mongo_auth/login/ HTTP/1.1\r\n")
        sockets.append(s)

    def drip():
        while not stop.is_set():
            for s in sockets:
                try:
                    s.sendall(b"X")
                except OSError:
                    pass
            stop.wait(1)

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    try:
        time.sleep(1.5)
        assert server.signup("patient@example.com")[0] == 200  # served meanwhile
        assert server.login("patient@example.com")[0] == 200
        # The drippers are cut off by the idle timeout although they keep sending.
        time.sleep(6)
        closed = 0
        for s in sockets:
            s.settimeout(0.5)
            try:
                if s.recv(4096) == b"":
                    closed += 1
            except ConnectionResetError:
                closed += 1
            except socket.timeout:
                pass
        assert closed == len(sockets)
    finally:
        stop.set()
        dripper.join(timeout=5)
        for s in sockets:
            s.close()
    assert_alive(server)
