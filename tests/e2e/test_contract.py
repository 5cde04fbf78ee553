"""Every row of the Mango-JWT contract (shared/design/contract.md), over real HTTP."""
import base64
import hashlib
import hmac
import json
import re
import threading
import time

import pytest

UUID_ID = re.compile(r"^ID_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(payload, secret, header=None):
    header = header or {"typ": "JWT", "alg": "HS256"}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(signature)


def decode_payload(token):
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


# --- signup ---------------------------------------------------------------------------------

def test_signup_ok_returns_stored_document_without_password(server):
    status, body = server.signup("ana@example.com")
    assert status == 200
    user = body["data"]
    assert set(user) == {"id", "email"}
    assert user["email"] == "ana@example.com"
    assert UUID_ID.match(user["id"])


@pytest.mark.parametrize("missing, message", [("email", "Email does not exist."),
                                              ("password", "Password does not exist.")])
def test_signup_missing_required_field_is_400(server, missing, message):
    body = {"email": "a@example.com", "password": "pw"}
    del body[missing]
    assert server.post("signup/", body) == (400, {"error_msg": message})


def test_signup_missing_configured_field_uses_python_title(make_server):
    server = make_server(fields="first_name,mobile")
    status, body = server.post("signup/", {"email": "a@example.com", "password": "pw",
                                           "mobile": "1"})
    assert (status, body) == (400, {"error_msg": "First_Name does not exist."})


def test_signup_empty_body_reports_email_first(server):
    assert server.post("signup/", {}) == (400, {"error_msg": "Email does not exist."})


def test_signup_stores_only_configured_fields_with_their_types(make_server):
    server = make_server(fields='["age","profile","tags"]')
    status, body = server.signup("t@example.com", age=41, profile={"city": "Oslo", "zip": 150},
                                 tags=["a", 1, True, None], dropped="never stored")
    assert status == 200
    user = body["data"]
    assert user["age"] == 41 and user["profile"] == {"city": "Oslo", "zip": 150}
    assert user["tags"] == ["a", 1, True, None]
    assert "dropped" not in user
    token = server.login("t@example.com")[1]["data"]["token"]
    assert server.me(token)[1]["data"] == user  # the stored document is what was answered


def test_signup_email_taken_is_405(server):
    assert server.signup("dup@example.com")[0] == 200
    assert server.signup("dup@example.com", "other") == (
        405, {"data": {"error_msg": "User already exists with this email"}})


def test_signup_secondary_taken_is_405(make_server):
    server = make_server(fields="mobile", secondary_username_field="mobile")
    assert server.signup("a@example.com", mobile="5550001")[0] == 200
    assert server.signup("b@example.com", mobile="5550001") == (
        405, {"data": {"error_msg": "User already exists with this mobile"}})


def test_signup_secondary_field_not_in_fields_still_works(make_server):
    # Mango-JWT answers every signup with a 500 in this configuration; we require the field.
    server = make_server(secondary_username_field="mobile")
    assert server.post("signup/", {"email": "a@example.com", "password": "pw"}) == (
        400, {"error_msg": "Mobile does not exist."})
    assert server.signup("a@example.com", mobile="77")[0] == 200
    assert server.login("77")[0] == 200


def test_signup_form_and_multipart_bodies(server):
    status, body = server.post("signup/", {"email": "form@example.com", "password": "pw"},
                               form=True)
    assert status == 200 and body["data"]["email"] == "form@example.com"
    boundary = "BoUnDaRy"
    multipart = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n"
                 f"multi@example.com\r\n--{boundary}\r\nContent-Disposition: form-data; "
                 f"name=\"password\"\r\n\r\npw\r\n--{boundary}--\r\n").encode()
    status, body = server.post("signup/", raw=multipart, headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 200 and body["data"]["email"] == "multi@example.com"
    assert server.login("multi@example.com", "pw")[0] == 200


def test_paths_work_without_trailing_slash(server):
    status, _, _ = server.request("POST", "/mongo_auth/signup",
                                  {"email": "s@example.com", "password": "pw-123456"})
    assert status == 200
    status, _, _ = server.request("POST", "/mongo_auth/login",
                                  {"username": "s@example.com", "password": "pw-123456"})
    assert status == 200


def test_signup_wrong_types_and_operators_are_400(server):
    assert server.post("signup/", {"email": {"$ne": None}, "password": "pw"}) == (
        400, {"error_msg": "Email must be a string."})
    assert server.post("signup/", {"email": "a@example.com", "password": 5}) == (
        400, {"error_msg": "Password must be a string."})


def test_malformed_json_is_400_without_exception_text(server):
    status, body = server.post("signup/", raw=b"{\"email\": ", headers={
        "Content-Type": "application/json"})
    assert status == 400
    assert "error_msg" in body and "Traceback" not in json.dumps(body)


def test_unsupported_media_type_is_415(server):
    status, body = server.post("signup/", raw=b"email=a", headers={"Content-Type": "text/plain"})
    assert status == 415 and "Unsupported media type" in body["detail"]


def test_concurrent_signups_with_one_email_exactly_one_succeeds(server):
    results = []
    barrier = threading.Barrier(20)

    def attempt(i):
        barrier.wait()
        results.append(server.signup("race@example.com", f"pw-{i}"))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [405] * 19
    for status, body in results:
        if status == 405:
            assert body == {"data": {"error_msg": "User already exists with this email"}}


def test_get_on_signup_is_405(server):
    status, body, headers = server.request("GET", "/mongo_auth/signup/")
    assert status == 405 and body == {"detail": 'Method "GET" not allowed.'}
    assert headers.get("Allow") == "POST"


# --- login ----------------------------------------------------------------------------------

def test_login_ok_returns_hs256_token_for_the_user(server):
    user = server.signup("log@example.com")[1]["data"]
    status, body = server.login("log@example.com")
    assert status == 200 and set(body) == {"data"} and set(body["data"]) == {"token"}
    token = body["data"]["token"]
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"typ": "JWT", "alg": "HS256"}
    payload = decode_payload(token)
    assert payload["id"] == user["id"]
    assert abs(payload["exp"] - (time.time() + 7 * 86400)) < 120


def test_login_jwt_life_setting(make_server):
    server = make_server(jwt_life=2)
    server.signup("life@example.com")
    payload = decode_payload(server.login("life@example.com")[1]["data"]["token"])
    assert abs(payload["exp"] - (time.time() + 2 * 86400)) < 120


def test_login_unknown_user_is_403_wrapped(server):
    assert server.login("nobody@example.com") == (403, {"data": {"error_msg": "User not found"}})


def test_login_without_at_and_no_secondary_is_user_not_found(server):
    server.signup("x@example.com")
    assert server.login("x") == (403, {"data": {"error_msg": "User not found"}})


def test_login_wrong_password_is_403_bare(server):
    server.signup("wp@example.com")
    assert server.login("wp@example.com", "wrong") == (
        403, {"error_msg": "Entered Password is incorrect"})


def test_login_by_secondary_field(make_server):
    server = make_server(fields="mobile", secondary_username_field="mobile")
    server.signup("sec@example.com", mobile="5551234")
    assert server.login("5551234")[0] == 200
    assert server.login("5550000") == (403, {"data": {"error_msg": "User not found"}})


@pytest.mark.parametrize("missing", ["username", "password"])
def test_login_missing_key_is_400(server, missing):
    body = {"username": "a@example.com", "password": "pw"}
    del body[missing]
    assert server.post("login/", body) == (400, {"error_msg": missing.title() + " does not exist."})


def test_login_operator_injection_is_400(server):
    server.signup("inj@example.com")
    status, body = server.post("login/", {"username": {"$ne": None}, "password": "pw-123456"})
    assert status == 400 and body == {"error_msg": "Username must be a string."}


def test_login_form_body(server):
    server.signup("lf@example.com")
    status, body = server.post("login/", {"username": "lf@example.com", "password": "pw-123456"},
                               form=True)
    assert status == 200 and "token" in body["data"]


# --- AuthenticatedOnly (GET me/) -------------------------------------------------------------

def test_guarded_route_with_raw_token_and_bearer(server):
    user = server.signup("me@example.com", "pw-123456")[1]["data"]
    token = server.login("me@example.com")[1]["data"]["token"]
    assert server.me(token) == (200, {"data": user})
    assert server.me("Bearer " + token) == (200, {"data": user})


NOT_PROVIDED = {"detail": "Authentication credentials were not provided."}


def test_guarded_route_refuses_missing_bad_expired_and_unknown(server):
    user = server.signup("g@example.com")[1]["data"]
    token = server.login("g@example.com")[1]["data"]["token"]
    assert server.me() == (403, NOT_PROVIDED)
    assert server.me("") == (403, NOT_PROVIDED)
    assert server.me("garbage") == (403, NOT_PROVIDED)
    assert server.me(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) == (403, NOT_PROVIDED)
    expired = forge({"id": user["id"], "exp": int(time.time()) - 10}, server.secret)
    assert server.me(expired) == (403, NOT_PROVIDED)
    unknown = forge({"id": "ID_00000000-0000-4000-8000-000000000000",
                     "exp": int(time.time()) + 60}, server.secret)
    assert server.me(unknown) == (403, NOT_PROVIDED)
    none_alg = forge({"id": user["id"], "exp": int(time.time()) + 60}, server.secret,
                     header={"typ": "JWT", "alg": "none"})
    assert server.me(none_alg) == (403, NOT_PROVIDED)
    # A token we forge the way PyJWT would, with the server's key, is accepted.
    good = forge({"id": user["id"], "exp": int(time.time()) + 60}, server.secret)
    assert server.me(good)[0] == 200
