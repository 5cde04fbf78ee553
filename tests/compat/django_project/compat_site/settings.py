"""A minimal Django project using Mango-JWT 1.3.2 exactly as its README says.

MANGO_JWT_SETTINGS comes from environment variables, one per key (a key whose variable is unset is
left out of the dict, so Mango-JWT applies its own default):

  COMPAT_DB_HOST, COMPAT_DB_PORT, COMPAT_DB_NAME, COMPAT_DB_USER, COMPAT_DB_PASS,
  COMPAT_AUTH_COLLECTION, COMPAT_FIELDS (a JSON array, turned into the tuple Mango-JWT needs),
  COMPAT_JWT_SECRET, COMPAT_JWT_LIFE (a JSON number, days), COMPAT_SECONDARY_USERNAME_FIELD.
"""
import json
import os

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SECRET_KEY = "compat-suite-django-key-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",          # DRF's AnonymousUser for unauthenticated requests
    "django.contrib.contenttypes",
    "rest_framework",
    "mongo_auth",
]

MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "compat_site.urls"
WSGI_APPLICATION = "compat_site.wsgi.application"
DATABASES = {}  # Mango-JWT talks to MongoDB itself; Django's ORM is unused
USE_TZ = True
TIME_ZONE = "UTC"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}


def _settings_from_environment():
    settings = {}
    for key in ("db_host", "db_port", "db_name", "db_user", "db_pass", "auth_collection",
                "jwt_secret", "secondary_username_field"):
        value = os.environ.get("COMPAT_" + key.upper())
        if value is not None:
            settings[key] = value
    if "COMPAT_FIELDS" in os.environ:
        settings["fields"] = tuple(json.loads(os.environ["COMPAT_FIELDS"]))
    if "COMPAT_JWT_LIFE" in os.environ:
        settings["jwt_life"] = json.loads(os.environ["COMPAT_JWT_LIFE"])
    return settings


MANGO_JWT_SETTINGS = _settings_from_environment()
