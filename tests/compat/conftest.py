"""Compatibility suite: the real Mango-JWT 1.3.2 against our mango-jwt, on one MongoDB.

Runs in its own venv (tests/compat/setup_venv.sh -> .venv-compat), against the MongoDB/FerretDB of
MANGO_JWT_TEST_MONGODB_URI (scripts/test starts FerretDB and sets it); the whole suite is skipped,
with that reason, when the variable is absent. Each configuration (CONFIGS) gets one database and
one pair of servers, started on first use and kept for the session:
Mango-JWT's Django project (tests/compat/django_project) under gunicorn, and our binary
(MANGO_JWT_BINARY, default build/app/mango-jwt) with the same settings.
"""
import pytest

import compat_lib
from compat_lib import Config, MongoAdmin, MangoServer, OurServer, Pair, Stats

CONFIGS = {c.name: c for c in [
    # Mango-JWT's defaults (fields (), auth_collection user_profile, jwt_life 7), a strong key.
    Config("default"),
    # No jwt_secret at all: Mango-JWT's "secret"; ours needs allow_weak_secret for it.
    Config("default-secret", jwt_secret=None),
    # The README's advanced example: fields ("email", "password").
    Config("readme-fields", fields=["email", "password"]),
    # A secondary login field that is also a required field.
    Config("secondary", fields=["mobile"], secondary_username_field="mobile"),
    # A secondary login field NOT listed in fields (every Mango-JWT signup fails).
    Config("secondary-outside", secondary_username_field="mobile"),
    # A custom collection and extra fields of several JSON types, a secondary field among them.
    Config("custom", auth_collection="compat_members",
           fields=["first_name", "mobile", "age", "score", "active", "profile", "tags",
                   "nickname"],
           secondary_username_field="mobile", jwt_life=0.5),
    # A token lifetime in days given as an integer other than the default.
    Config("life", jwt_life=2),
]}


def pytest_collection_modifyitems(config, items):
    if not compat_lib.MONGODB_URI:
        skip = pytest.mark.skip(reason="MANGO_JWT_TEST_MONGODB_URI is not set: the compatibility "
                                       "suite needs a MongoDB (scripts/test starts FerretDB)")
        for item in items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def admin():
    admin = MongoAdmin(compat_lib.MONGODB_URI)
    yield admin
    admin.cleanup()


@pytest.fixture(scope="session")
def started(tmp_path_factory):
    """Every server started during the session; stopped (by PID) at its end."""
    servers = []
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def pairs(admin, started, tmp_path_factory):
    """pairs(name) -> the Pair of that configuration, started on first use."""
    cache = {}

    def get(name):
        if name not in cache:
            config = CONFIGS[name]
            database = admin.provision(config)
            workdir = tmp_path_factory.mktemp(name)
            mango = MangoServer(workdir / "mango", config, database)
            started.append(mango)
            mango.start()
            ours = OurServer(workdir / "ours", config, database)
            started.append(ours)
            ours.start()
            cache[name] = Pair(config, database, mango, ours)
        return cache[name]

    return get


@pytest.fixture(scope="session")
def extra_server(started, tmp_path_factory):
    """extra_server(kind, pair, **our_overrides): another server on a pair's config and database
    (e.g. ours with a higher pbkdf2_rounds), stopped at the end of the session."""
    def make(kind, pair, **overrides):
        workdir = tmp_path_factory.mktemp(f"extra-{kind}")
        if kind == "ours":
            server = OurServer(workdir, pair.config, pair.database, **overrides)
        else:
            server = MangoServer(workdir, pair.config, pair.database)
        started.append(server)
        return server.start()

    return make


def pytest_terminal_summary(terminalreporter):
    if compat_lib.MONGODB_URI:
        terminalreporter.write_line(
            f"compat: {Stats.compared} cases compared, "
            f"{len(Stats.deviations)} documented deviations asserted")
