"""Every row of shared/design/contract.md, replayed on Mango-JWT and on mango-jwt and compared.

Each scenario runs once per server with a tag of its own in every email/secondary value (both
servers share the configuration's database), and the answers are compared step by step: same
status, same body once user ids, tokens and the tag are normalised. Steps labelled "DEV:<id>" are
the documented deviations of deviations.py: both sides' exact answers are asserted instead.
"""
import time

import pytest

from compat_lib import NOT_PROVIDED, forge, replay, tamper, token_payload

MULTIPART_BOUNDARY = "CoMpAtBoUnDaRy"


def multipart(fields):
    parts = []
    for name, value in fields.items():
        parts.append(f"--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; "
                     f"name=\"{name}\"\r\n\r\n{value}\r\n")
    return ("".join(parts) + f"--{MULTIPART_BOUNDARY}--\r\n").encode()


MULTIPART = {"Content-Type": f"multipart/form-data; boundary={MULTIPART_BOUNDARY}"}


# --- signup ---------------------------------------------------------------------------------

@pytest.mark.parametrize("config", ["default", "readme-fields", "default-secret"])
def test_signup_rows(pairs, config):
    def scenario(r):
        r.signup("ok json", {"email": r.email("ana"), "password": "pw-1",
                             "dropped": "extra keys are not stored"})
        r.signup("ok form", {"email": r.email("bo"), "password": "pw-2"}, form=True)
        r.post("ok multipart", "signup/",
               raw=multipart({"email": r.email("cy"), "password": "pw-3"}), headers=MULTIPART)
        r.signup("email taken", {"email": r.email("ana"), "password": "other"})
        r.signup("email taken form", {"email": r.email("ana"), "password": "x"}, form=True)
        r.signup("missing email", {"password": "pw"})
        r.signup("missing password", {"email": r.email("dee")})
        r.signup("missing password form", {"email": r.email("dee")}, form=True)
        r.signup("DEV:signup-empty-body", {})
        r.signup("DEV:signup-email-operator", {"email": {"$ne": None}, "password": "pw"})
        r.signup("DEV:signup-password-not-string", {"email": r.email("eve"), "password": 5})
        r.post("DEV:malformed-json", "signup/", raw=b'{"email": ',
               headers={"Content-Type": "application/json"})
        r.post("DEV:unsupported-media-type", "signup/", raw=b"email=a",
               headers={"Content-Type": "text/plain"})
        status, _, headers = r.request("get signup", "GET", "/mongo_auth/signup/")
        r.allow = headers.get("Allow")
        r.request("DEV:no-trailing-slash", "POST", "/mongo_auth/signup",
                  body={"email": r.email("ana2"), "password": "pw"})

    mango, ours = replay(pairs(config), scenario)
    from deviations import assert_deviation
    assert_deviation("allow-header", mango.allow, ours.allow)


def test_signup_required_fields_use_python_title(pairs):
    def scenario(r):
        r.signup("missing configured field", {"email": r.email("a"), "password": "pw",
                                              "mobile": r.value("1"), "age": 3, "score": 1.5,
                                              "active": True, "profile": {}, "tags": [],
                                              "nickname": None})
        r.signup("missing mobile", {"email": r.email("a"), "password": "pw",
                                    "first_name": "A", "age": 3, "score": 1.5, "active": True,
                                    "profile": {}, "tags": [], "nickname": None})

    replay(pairs("custom"), scenario)


def test_signup_and_login_with_secondary_field(pairs):
    def scenario(r):
        r.signup("ok", {"email": r.email("ana"), "password": "pw", "mobile": r.value("555"),
                        "other": 1})
        r.signup("secondary taken", {"email": r.email("bo"), "password": "pw",
                                     "mobile": r.value("555")})
        r.signup("email taken first", {"email": r.email("ana"), "password": "pw",
                                       "mobile": r.value("555")})
        r.signup("missing secondary", {"email": r.email("cy"), "password": "pw"})
        r.signup("ok form", {"email": r.email("dee"), "password": "pw", "mobile":
                             r.value("556")}, form=True)
        r.login("login by secondary", {"username": r.value("555"), "password": "pw"})
        r.login("login by email", {"username": r.email("ana"), "password": "pw"})
        r.login("login by secondary form", {"username": r.value("556"), "password": "pw"},
                form=True)
        r.login("secondary unknown", {"username": r.value("999"), "password": "pw"})
        r.login("secondary wrong password", {"username": r.value("555"), "password": "no"})

    replay(pairs("secondary"), scenario)


def test_secondary_field_not_in_fields(pairs):
    def scenario(r):
        r.signup("DEV:secondary-not-in-fields-signup",
                 {"email": r.email("ana"), "password": "pw", "mobile": r.value("77")})
        r.signup("DEV:secondary-not-in-fields-missing", {"email": r.email("bo"), "password": "pw"})
        r.login("DEV:secondary-not-in-fields-login",
                {"username": r.value("77"), "password": "pw"})

    replay(pairs("secondary-outside"), scenario)


def test_extra_fields_of_several_json_types(pairs):
    profile = {"city": "Oslo", "zip": 150, "geo": [59.9, 10.7], "tags": {"a": None}}

    def scenario(r):
        body = {"email": r.email("ty"), "password": "pw", "first_name": "Ty",
                "mobile": r.value("+47"), "age": 41, "score": 2.5, "active": False,
                "profile": profile, "tags": ["a", 1, True, None, {"k": "v"}], "nickname": None,
                "dropped": "never stored"}
        r.signup("ok json types", body)
        r.signup("ok form strings", {**{k: str(v) for k, v in body.items()
                                        if k not in ("profile", "tags")},
                                     "email": r.email("fo"), "mobile": r.value("+48"),
                                     "profile": "p", "tags": "t"}, form=True)
        token = r.login("login", {"username": r.value("+47"), "password": "pw"})[1]["data"]["token"]
        r.guarded("guarded returns the stored document", token)

    replay(pairs("custom"), scenario)


# --- login ----------------------------------------------------------------------------------

@pytest.mark.parametrize("config", ["default", "default-secret", "life"])
def test_login_rows(pairs, config):
    def scenario(r):
        r.signup("signup", {"email": r.email("lo"), "password": "pw-1"})
        r.login("ok", {"username": r.email("lo"), "password": "pw-1"})
        r.login("ok form", {"username": r.email("lo"), "password": "pw-1"}, form=True)
        r.post("ok multipart", "login/",
               raw=multipart({"username": r.email("lo"), "password": "pw-1"}), headers=MULTIPART)
        r.login("unknown user", {"username": r.email("nobody"), "password": "pw-1"})
        r.login("no @ and no secondary field", {"username": "lo" + r.tag, "password": "pw-1"})
        r.login("wrong password", {"username": r.email("lo"), "password": "pw-2"})
        r.login("wrong password form", {"username": r.email("lo"), "password": "x"}, form=True)
        r.login("empty password", {"username": r.email("lo"), "password": ""})
        r.login("DEV:login-missing-username", {"password": "pw-1"})
        r.login("DEV:login-missing-password", {"username": r.email("lo")})
        r.login("DEV:login-username-operator", {"username": {"$ne": None}, "password": "pw-1"})
        r.login("DEV:login-username-number", {"username": 5, "password": "pw-1"})
        r.login("DEV:login-password-not-string", {"username": r.email("lo"), "password": 5})
        r.request("get login", "GET", "/mongo_auth/login/")

    replay(pairs(config), scenario)


@pytest.mark.parametrize("config, days", [("default", 7), ("life", 2), ("custom", 0.5)])
def test_token_shape_and_lifetime(pairs, config, days):
    pair = pairs(config)
    fields = {"first_name": "T", "mobile": None, "age": 1, "score": 0.0, "active": True,
              "profile": {}, "tags": [], "nickname": "n"} if config == "custom" else {}
    for server in pair.servers:
        email = f"exp-{server.kind}-{time.time_ns()}@example.com"
        if "mobile" in fields:
            fields["mobile"] = f"exp{time.time_ns()}"
        user = server.signup(email, **fields)[1]["data"]
        token = server.token(email)
        header = token_payload("." + token.split(".")[0])  # decode the header segment
        assert header == {"typ": "JWT", "alg": "HS256"}, server.kind
        payload = token_payload(token)
        assert set(payload) == {"id", "exp"} and payload["id"] == user["id"], server.kind
        assert abs(payload["exp"] - (time.time() + days * 86400)) < 120, (server.kind, payload)


# --- AuthenticatedOnly ----------------------------------------------------------------------

@pytest.mark.parametrize("config", ["default", "default-secret"])
def test_guarded_route_rows(pairs, config):
    secret = pairs(config).config.secret

    def scenario(r):
        user = r.signup("signup", {"email": r.email("ana"), "password": "pw"})[1]["data"]
        token = r.login("login", {"username": r.email("ana"), "password": "pw"})[1]["data"]["token"]
        r.guarded("raw token", token)
        r.guarded("DEV:bearer-token", "Bearer " + token)
        r.guarded("no header")
        r.guarded("empty header", "")
        r.guarded("garbage", "garbage")
        r.guarded("tampered", tamper(token))
        r.guarded("expired", forge({"id": user["id"], "exp": int(time.time()) - 10}, secret))
        r.guarded("other key", forge({"id": user["id"], "exp": int(time.time()) + 60},
                                     secret + "x"))
        r.guarded("unknown user", forge({"id": "ID_00000000-0000-4000-8000-000000000000",
                                         "exp": int(time.time()) + 60}, secret))
        r.guarded("alg none", forge({"id": user["id"], "exp": int(time.time()) + 60}, secret,
                                    header={"typ": "JWT", "alg": "none"}))
        r.guarded("forged like PyJWT", forge({"id": user["id"], "exp": int(time.time()) + 60},
                                             secret))

    mango, ours = replay(pairs(config), scenario)
    assert dict((s[0], s[1:]) for s in mango.steps)["no header"] == (403, NOT_PROVIDED)
