"""Every place where mango-jwt answers differently from Mango-JWT 1.3.2, in one table.

Each entry names the request, Mango-JWT's exact answer (status, body) as the real package gives it
(bodies normalised: user ids -> <ID>, tokens -> <TOKEN>), ours, and why. The compat suite asserts
BOTH answers for every entry, so a change on either side fails here first; the README's table of
deviations mirrors this one.

`mango` is one answer, or a tuple of answers of which Mango-JWT gives one (when it is arbitrary: a
Python set's order differs from process to process),
or a predicate on the answer (when it carries text we do not control, e.g. a driver's message).
"""
import re
from dataclasses import dataclass
from typing import Any

from compat_lib import NOT_PROVIDED, Stats

STORE_UNAVAILABLE = {"data": {"error_msg": "The user store is unavailable; try again later."}}


@dataclass(frozen=True)
class Deviation:
    request: str
    mango: Any
    ours: Any
    why: str


def _server_selection_failure(answer):
    status, body = answer
    return (status == 500 and isinstance(body, dict) and set(body) == {"data"}
            and re.search(r"(Connection refused|connection closed|Connection reset|timed out|ServerSelection)",
                          str(body["data"].get("error_msg", ""))) is not None)


DEVIATIONS = {
    "login-missing-username": Deviation(
        request="POST login/ without the username key",
        mango=(500, {"data": {"error_msg": "'username'"}}),
        ours=(400, {"error_msg": "Username does not exist."}),
        why="Mango-JWT leaks the KeyError as a 500; a client error is a 400 with a clear message"),
    "login-missing-password": Deviation(
        request="POST login/ without the password key",
        mango=(500, {"data": {"error_msg": "'password'"}}),
        ours=(400, {"error_msg": "Password does not exist."}),
        why="same as login-missing-username"),
    "signup-empty-body": Deviation(
        request="POST signup/ with an empty object (email and password both missing)",
        mango=((400, {"error_msg": "Email does not exist."}),
               (400, {"error_msg": "Password does not exist."})),
        ours=(400, {"error_msg": "Email does not exist."}),
        why="Mango-JWT reports the first missing field of a Python set (arbitrary, per process); "
            "ours: email, password, then `fields` in their configured order"),
    "secondary-not-in-fields-signup": Deviation(
        request="POST signup/ with email, password and the secondary field, when "
                "secondary_username_field is not also listed in fields",
        mango=(500, {"data": {"error_msg": "'mobile'"}}),
        ours=(200, {"data": {"id": "<ID>", "email": "ana-<TAG>@example.com",
                             "mobile": "77<TAG>"}}),
        why="Mango-JWT never copies the secondary field into the document, then indexes it: "
            "every signup fails; ours requires and stores the secondary field either way"),
    "secondary-not-in-fields-missing": Deviation(
        request="POST signup/ without the secondary field, secondary_username_field not in fields",
        mango=(500, {"data": {"error_msg": "'mobile'"}}),
        ours=(400, {"error_msg": "Mobile does not exist."}),
        why="as secondary-not-in-fields-signup: the secondary field is required at signup"),
    "secondary-not-in-fields-login": Deviation(
        request="POST login/ by the secondary value of a user signed up as above",
        mango=(403, {"data": {"error_msg": "User not found"}}),
        ours=(200, {"data": {"token": "<TOKEN>"}}),
        why="nobody can sign up through Mango-JWT in this configuration, so nobody is found"),
    "signup-email-operator": Deviation(
        request='POST signup/ with "email": {"$ne": null} (JSON), when some user exists',
        mango=(405, {"data": {"error_msg": "User already exists with this email"}}),
        ours=(400, {"error_msg": "Email must be a string."}),
        why="Mango-JWT passes the object to find_one as a query operator (NoSQL injection)"),
    "signup-password-not-string": Deviation(
        request='POST signup/ with "password": 5 (JSON)',
        mango=(500, {"data": {"error_msg": "secret must be unicode or bytes, not int"}}),
        ours=(400, {"error_msg": "Password must be a string."}),
        why="passlib's TypeError leaks as a 500"),
    "login-username-operator": Deviation(
        request='POST login/ with "username": {"$ne": null} (JSON), no secondary field',
        mango=(403, {"data": {"error_msg": "User not found"}}),
        ours=(400, {"error_msg": "Username must be a string."}),
        why="Mango-JWT tests '@' in the object's keys; with a secondary field configured it "
            "would query {field: {'$ne': null}} (NoSQL injection)"),
    "login-username-number": Deviation(
        request='POST login/ with "username": 5 (JSON)',
        mango=(500, {"data": {"error_msg": "argument of type 'int' is not iterable"}}),
        ours=(400, {"error_msg": "Username must be a string."}),
        why="Python's TypeError leaks as a 500"),
    "login-password-not-string": Deviation(
        request='POST login/ with "password": 5 (JSON) for an existing user',
        mango=(500, {"data": {"error_msg": "secret must be unicode or bytes, not int"}}),
        ours=(400, {"error_msg": "Password must be a string."}),
        why="passlib's TypeError leaks as a 500"),
    "malformed-json": Deviation(
        request='POST signup/ with Content-Type application/json and the body {"email": ',
        mango=(500, {"data": {"error_msg":
                              "JSON parse error - Expecting value: line 1 column 11 (char 10)"}}),
        ours=(400, {"error_msg": "JSON parse error: the body is not valid JSON."}),
        why="DRF's ParseError is caught by Mango-JWT's catch-all and turned into a 500"),
    "unsupported-media-type": Deviation(
        request="POST signup/ with Content-Type text/plain",
        mango=(500, {"data": {"error_msg": 'Unsupported media type "text/plain" in request.'}}),
        ours=(415, {"detail": 'Unsupported media type "text/plain" in request; use '
                              'application/json, application/x-www-form-urlencoded or '
                              'multipart/form-data.'}),
        why="DRF's UnsupportedMediaType is caught by Mango-JWT's catch-all; ours answers as DRF "
            "would without that catch-all"),
    "allow-header": Deviation(
        request="GET signup/ (status and body are the same on both: 405, DRF's detail): "
                "the Allow header",
        mango=("OPTIONS, POST", "POST, OPTIONS"),  # a set's order, per process
        ours="POST",
        why="DRF's @api_view also allows OPTIONS; we answer no OPTIONS requests"),
    "no-trailing-slash": Deviation(
        request="POST mongo_auth/signup (no trailing slash)",
        mango=(301, ""),
        ours=(200, {"data": {"id": "<ID>", "email": "ana2-<TAG>@example.com"}}),
        why="Django's CommonMiddleware (APPEND_SLASH) redirects, losing the POST body; a "
            "project without it answers 404. Ours serves both spellings"),
    "bearer-token": Deviation(
        request="GET the AuthenticatedOnly route with Authorization: Bearer <token>",
        mango=(403, NOT_PROVIDED),
        ours=(200, {"data": {"id": "<ID>", "email": "ana-<TAG>@example.com"}}),
        why="Mango-JWT reads the whole header as the token; ours also accepts the Bearer scheme"),
    "store-unavailable": Deviation(
        request="POST login/ while the database is unreachable",
        mango=_server_selection_failure,
        ours=(503, STORE_UNAVAILABLE),
        why="Mango-JWT leaks the driver's exception text (e.g. '127.0.0.1:PORT: [Errno 111] "
            "Connection refused') as a 500, at once when its open connection breaks, after "
            "pymongo's 30 s server selection timeout otherwise; ours answers 503 within "
            "db_timeout_ms"),
}


def _matches(expected, answer):
    if callable(expected):
        return expected(answer)
    if isinstance(expected, tuple) and expected and not isinstance(expected[0], int):
        return answer in expected
    return answer == expected


def assert_deviation(deviation_id, mango_answer, ours_answer):
    """Both sides answered exactly as DEVIATIONS[deviation_id] documents."""
    deviation = DEVIATIONS[deviation_id]
    assert _matches(deviation.mango, mango_answer), (
        f"{deviation_id}: Mango-JWT answered {mango_answer!r}, documented {deviation.mango!r}")
    assert _matches(deviation.ours, ours_answer), (
        f"{deviation_id}: mango-jwt answered {ours_answer!r}, documented {deviation.ours!r}")
    Stats.deviations.add(deviation_id)
