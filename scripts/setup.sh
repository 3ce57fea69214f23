#!/usr/bin/env bash
# Set up everything the project needs on a fresh machine (Debian 12, Python 3.11).
#   scripts/setup.sh          the app: Python venv (.venv) + Leaflet assets for offline maps
#   scripts/setup.sh --test   also the test tools (pytest, ruff, ...): Chromium for the browser test,
#                             poppler for PDFs, PostgreSQL 15 + PostGIS 3 (Debian packages) for the
#                             store tests on the server backend (the tests start their own throwaway
#                             cluster; nothing is started here)
# Python packages are installed at the tested versions of requirements/constraints.txt.
# Idempotent: steps already done are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
[ "${1:-}" = "--test" ] && with_tests=1

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
extras="app,export"
[ "$with_tests" = 1 ] && extras="app,export,dev,server"
# Ranges come from pyproject.toml; the tested versions from requirements/constraints.txt.
.venv/bin/python -m pip install -q --disable-pip-version-check \
  -c requirements/constraints.txt -e ".[${extras}]" 2>&1 \
  | grep -v "is ignored: it is neither a file nor a directory" || true
.venv/bin/python -c "import geo, geopandas, streamlit, folium, numba" \
  || { echo "setup: Python packages failed to install" >&2; exit 1; }

# Leaflet for maps without internet (st_folium is blank when Leaflet comes from a CDN
# that cannot be reached). From the npm registry; never committed (static/vendor/ is ignored).
if [ ! -f static/vendor/leaflet/leaflet.js ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent leaflet@1.9.3 >/dev/null && tar xzf leaflet-1.9.3.tgz)
  mkdir -p static/vendor/leaflet
  cp -r "$tmp"/package/dist/leaflet.js "$tmp"/package/dist/leaflet.css "$tmp"/package/dist/images \
    "$tmp"/package/LICENSE static/vendor/leaflet/
  rm -rf "$tmp"
fi

# Compile the travel-time kernels once (numba caches them next to the source): without this the
# app's first reach waits about 30 s for the compilation. Needs the data folder; a throwaway store.
if .venv/bin/python -c "from geo.config import Settings; Settings.resolve().require_data_dir()" 2>/dev/null; then
  tmp=$(mktemp -d)
  .venv/bin/python -m geo --lang en reach --hubs "$(.venv/bin/python -c \
    "from geo.sources.curated import read_hubs; print(read_hubs().valid.index[0])")" \
    --store "$tmp/store.sqlite" --out "$tmp/reach.gpkg" >/dev/null \
    || echo "setup: warning: the kernels could not be compiled now; the first reach will compile them" >&2
  rm -rf "$tmp"
else
  echo "setup: no data folder yet (python -m geo fetch); the first reach will compile the kernels"
fi

if [ "$with_tests" = 1 ]; then
  need=()
  [ -x /usr/bin/chromium ] || need+=(chromium chromium-driver)
  command -v pdftoppm >/dev/null || need+=(poppler-utils)
  [ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
  [ -f /usr/share/postgresql/15/extension/postgis.control ] || need+=(postgresql-15-postgis-3)
  if [ ${#need[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi
echo "setup: done ($( .venv/bin/python --version ), extras: ${extras})"
