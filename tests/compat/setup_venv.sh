#!/usr/bin/env bash
# Creates (or refreshes) the compatibility suite's own venv, .venv-compat at the repository root,
# from tests/requirements-compat.txt: the real Mango-JWT 1.3.2 with the PyJWT 1.x / PyMongo 3.x /
# Django 3.2 it works with, plus pytest. Its pins would fight the main .venv, hence a venv of its
# own. Idempotent and quiet when the venv is already up to date; prints the venv's path last.
#
#   tests/compat/setup_venv.sh            # then: .venv-compat/bin/pytest -q tests/compat
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${MANGO_JWT_COMPAT_VENV:-$root/.venv-compat}"
requirements="$root/tests/requirements-compat.txt"

if [[ ! -x "$venv/bin/pytest" || ! -x "$venv/bin/gunicorn" ]] ||
   ! cmp -s "$requirements" "$venv/requirements-compat.txt"; then
  echo "compat: preparing the Python environment in $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/requirements-compat.txt"
fi
echo "$venv"
