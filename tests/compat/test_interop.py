"""Mango-JWT and mango-jwt on ONE database: users, tokens and stored documents cross over."""
import re
import time
import uuid

import jwt  # PyJWT 1.7.1, the version Mango-JWT runs with
import pytest
from passlib.context import CryptContext

from compat_lib import NOT_PROVIDED, PASSLIB_ROUNDS, Stats, forge, tamper, token_payload

# CryptContext exactly as mongo_auth/utils.py configures it.
MANGO_PWD_CONTEXT = CryptContext(
    default="django_pbkdf2_sha256",
    schemes=["django_argon2", "django_bcrypt", "django_bcrypt_sha256",
             "django_pbkdf2_sha256", "django_pbkdf2_sha1",
             "django_disabled"])

USER_ID = re.compile(r"^ID_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def unique(prefix):
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def signup_body(config, email):
    """A complete signup body for the configuration: email, password and every required field,
    values of several JSON types."""
    body = {"email": email, "password": "pw-" + email}
    values = {"first_name": "Ana", "mobile": unique("+47"), "age": 41, "score": 2.5,
              "active": True, "profile": {"city": "Oslo", "zip": [0, 1, 5, 0]},
              "tags": ["a", 1, None], "nickname": None}
    for field in (config.fields or []):
        if field not in body:
            body[field] = values[field]
    if config.secondary_username_field and config.secondary_username_field not in body:
        body[config.secondary_username_field] = unique("+1")
    return body


CROSS_CONFIGS = ["default", "default-secret", "readme-fields", "secondary", "custom"]


@pytest.mark.parametrize("config", CROSS_CONFIGS)
@pytest.mark.parametrize("direction", ["mango->ours", "ours->mango"])
def test_user_signed_up_on_one_logs_in_on_the_other(pairs, config, direction):
    pair = pairs(config)
    writer, reader = ((pair.mango, pair.ours) if direction == "mango->ours"
                      else (pair.ours, pair.mango))
    body = signup_body(pair.config, unique("x") + "@example.com")
    status, answer = writer.post("signup/", body)
    assert status == 200, (writer.kind, answer)
    user = answer["data"]
    assert USER_ID.match(user["id"])
    usernames = [body["email"]]
    if pair.config.secondary_username_field:
        usernames.append(body[pair.config.secondary_username_field])
    for username in usernames:
        status, login = reader.login(username, body["password"])
        assert status == 200 and set(login["data"]) == {"token"}, (reader.kind, username, login)
        Stats.compared += 1
        assert reader.login(username, "wrong") == (
            403, {"error_msg": "Entered Password is incorrect"})
    # Both see the same user and refuse a second signup of it.
    for server in pair.servers:
        assert server.post("signup/", body) == (
            405, {"data": {"error_msg": "User already exists with this email"}}), server.kind
        token = server.token(body["email"], body["password"])
        assert server.guarded(token) == (200, {"data": user}), server.kind
        Stats.compared += 1


@pytest.mark.parametrize("config", ["default", "default-secret", "custom"])
def test_tokens_cross_over_and_bad_ones_are_refused_by_both(pairs, config):
    pair = pairs(config)
    body = signup_body(pair.config, unique("tok") + "@example.com")
    user = pair.ours.post("signup/", body)[1]["data"]
    ours_token = pair.ours.token(body["email"], body["password"])
    mango_token = pair.mango.token(body["email"], body["password"])
    # The real PyJWT 1.7.1 accepts our token with the shared key.
    assert jwt.decode(ours_token, pair.config.secret, algorithms=["HS256"])["id"] == user["id"]
    assert token_payload(ours_token).keys() == token_payload(mango_token).keys()
    # A token issued by mango-jwt opens Mango-JWT's GetTest view, and the reverse.
    assert pair.mango.guarded(ours_token) == (200, {"data": user})
    assert pair.ours.guarded(mango_token) == (200, {"data": user})
    expired = forge({"id": user["id"], "exp": int(time.time()) - 5}, pair.config.secret)
    for server in pair.servers:
        for bad in (tamper(ours_token), tamper(mango_token), expired, ours_token + "x",
                    forge({"id": user["id"], "exp": int(time.time()) + 60}, "not-the-key")):
            assert server.guarded(bad) == (403, NOT_PROVIDED), (server.kind, bad)
            Stats.compared += 1


def stored(pair, email):
    """The user document as written to the shared database (read with pymongo)."""
    document = pair.users.find_one({"email": email})
    assert document is not None, (f"no document for {email} in "
                                  f"{pair.database.name}.{pair.config.collection}")
    return document


def test_hashes_written_by_ours_verify_with_mangos_passlib_context(pairs):
    pair = pairs("default")
    email = unique("h") + "@example.com"
    assert pair.ours.signup(email, "pässword-ü")[0] == 200
    hashed = stored(pair, email)["password"]
    assert MANGO_PWD_CONTEXT.identify(hashed) == "django_pbkdf2_sha256"
    assert MANGO_PWD_CONTEXT.verify("pässword-ü", hashed)
    assert not MANGO_PWD_CONTEXT.verify("password-u", hashed)
    assert re.match(rf"^pbkdf2_sha256\${PASSLIB_ROUNDS}\$[A-Za-z0-9]+\$[A-Za-z0-9+/]{{43}}=$",
                    hashed), hashed
    assert pair.mango.login(email, "pässword-ü")[0] == 200


@pytest.mark.parametrize("scheme, passlib_name", [
    ("pbkdf2_sha1", "django_pbkdf2_sha1"),
    ("argon2", "django_argon2"),
    ("bcrypt_sha256", "django_bcrypt_sha256"),
])
def test_other_schemes_written_by_ours_verify_with_passlib_and_mango(pairs, extra_server,
                                                                     scheme, passlib_name):
    pair = pairs("default")
    ours = extra_server("ours", pair, password_scheme=scheme)
    email = unique("s") + "@example.com"
    assert ours.signup(email, "pw-scheme")[0] == 200
    hashed = stored(pair, email)["password"]
    assert MANGO_PWD_CONTEXT.identify(hashed) == passlib_name, hashed
    assert MANGO_PWD_CONTEXT.verify("pw-scheme", hashed)
    assert pair.mango.login(email, "pw-scheme")[0] == 200
    assert pair.mango.login(email, "pw-other") == (
        403, {"error_msg": "Entered Password is incorrect"})


@pytest.mark.parametrize("writer", ["mango", "ours"])
def test_hash_upgraded_by_ours_still_logs_in_through_mango(pairs, extra_server, writer):
    pair = pairs("default")
    stronger = extra_server("ours", pair, pbkdf2_rounds=PASSLIB_ROUNDS * 2)
    email = unique("up") + "@example.com"
    assert getattr(pair, writer).signup(email, "pw-upgrade")[0] == 200
    before = stored(pair, email)["password"]
    assert before.startswith(f"pbkdf2_sha256${PASSLIB_ROUNDS}$"), before
    assert stronger.login(email, "pw-upgrade")[0] == 200
    after = stored(pair, email)["password"]
    assert after.startswith(f"pbkdf2_sha256${PASSLIB_ROUNDS * 2}$"), after
    assert MANGO_PWD_CONTEXT.verify("pw-upgrade", after)
    assert pair.mango.login(email, "pw-upgrade")[0] == 200
    # A server configured with fewer rounds logs the user in without downgrading the hash.
    assert pair.ours.login(email, "pw-upgrade")[0] == 200
    assert stored(pair, email)["password"] == after
    # A wrong password never rewrites the hash.
    assert stronger.login(email, "nope")[0] == 403
    assert stored(pair, email)["password"] == after


def shape(document):
    return {key: type(value).__name__ for key, value in document.items()}


@pytest.mark.parametrize("config", ["default", "readme-fields", "secondary", "custom"])
def test_documents_written_for_the_same_signup_have_the_same_keys_and_types(pairs, config):
    pair = pairs(config)
    documents = {}
    for server in pair.servers:
        body = signup_body(pair.config, unique(server.kind) + "@example.com")
        body["dropped"] = "never stored"
        assert server.post("signup/", body)[0] == 200, server.kind
        document = stored(pair, body["email"])
        for field in pair.config.fields or []:
            if field != "password":
                assert document[field] == body[field], (server.kind, field)
        documents[server.kind] = document
    mango, ours = documents["mango"], documents["ours"]
    assert shape(mango) == shape(ours)  # the same keys (order aside: Mango-JWT's is a set's)
    for document in (mango, ours):
        assert USER_ID.match(document["id"])
        assert "dropped" not in document
        assert MANGO_PWD_CONTEXT.identify(document["password"]) == "django_pbkdf2_sha256"
    Stats.compared += 1
