#!/usr/bin/env bash
# Set up backcoach on a fresh Debian/Ubuntu machine: a virtual environment in .venv with the
# project installed, and with --test also the servers and browser the tests talk to for real
# (InfluxDB, a D-Bus daemon for the emulated BlueZ, headless Chromium, systemd-analyze for the
# generated user unit). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    -h|--help) echo "usage: scripts/bootstrap.sh [--test]"; exit 0 ;;
    *) echo "bootstrap: unknown option $arg (use --test or nothing)" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1mbootstrap:\033[0m %s\n' "$*" >&2; }

apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing Debian packages: $*"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ "$want_test" -eq 1 ]; then
  missing=()
  command -v influxd >/dev/null 2>&1 || missing+=(influxdb)
  command -v dbus-daemon >/dev/null 2>&1 || missing+=(dbus)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
  if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "bootstrap: backcoach needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$python" -m venv .venv || { apt_install python3-venv; "$python" -m venv .venv; }
fi
extras=""
[ "$want_test" -eq 1 ] && extras="[dev]"
say "installing backcoach${extras} into .venv"
log=$(mktemp)
.venv/bin/python -m pip install -q --upgrade pip >"$log" 2>&1 || true  # an old pip still works
if ! .venv/bin/python -m pip install -q -e ".${extras}" >"$log" 2>&1; then
  grep -v -e '^WARNING: Location' "$log" >&2
  echo "bootstrap: pip could not install backcoach${extras} (see above)" >&2
  exit 1
fi
rm -f "$log"
say "ready"
