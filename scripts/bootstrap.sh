#!/usr/bin/env bash
# Set up backcoach on a fresh Debian/Ubuntu machine: a virtual environment in .venv with the
# project installed, and with --test also the servers and browser the tests talk to for real
# (InfluxDB, a D-Bus daemon for the emulated BlueZ, headless Chromium, poppler-utils for the
# report's PDF checks, Java for actipy's research-format parsers, systemd-analyze for the
# generated user unit), installed by apt-get while pip works. Safe to run again.
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

# pip is silent for about a minute on a fresh machine, so say what it is doing: on a terminal one
# status line rewritten in place; in a log (CI) one line every BOOTSTRAP_PROGRESS_S seconds (10).
# pip's own output goes to $1 (shown only when it fails); its "Obtaining file://..." and
# "Processing /path/..." lines are counted but not shown, so no machine path reaches a log.
PIP_PACKAGE_LINES='^(Collecting|Processing|Requirement already satisfied) '
pip_install() {
  local log=$1 every=${BOOTSTRAP_PROGRESS_S:-10} start=$SECONDS next=$SECONDS n step
  shift
  # --no-compile: Python compiles a module when it is first imported, so the few thousand files
  # that are never imported are not compiled here (a third or more of pip's time on CI).
  .venv/bin/python -m pip install --progress-bar off --no-compile "$@" >"$log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    n=$(grep -c -E "$PIP_PACKAGE_LINES" "$log" || true)
    step=$(grep -E '^(Collecting|Downloading|Building|Installing) ' "$log" | tail -n 1 || true)
    case "$step" in
      "Installing collected packages:"*) step="installing $(($(tr -cd , <<<"$step" | wc -c) + 1)) packages" ;;
      *) step=${step:0:60} ;;
    esac
    if [ -t 2 ]; then
      printf '\r\033[K\033[1mbootstrap:\033[0m pip %3d s, %d packages: %s' \
        $((SECONDS - start)) "$n" "$step" >&2
    elif [ "$SECONDS" -ge "$next" ]; then
      say "pip at work ($((SECONDS - start)) s, $n packages so far) ${step}"
      next=$((SECONDS + every))
    fi
    sleep 0.5
  done
  if [ -t 2 ]; then printf '\r\033[K' >&2; fi
  wait "$pid"
}

apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The test tools come from Debian while pip fills .venv (both take a minute on a fresh machine,
# one waiting on the network and dpkg, the other on wheels); `apt_wait` joins them.
apt_pid=""
apt_log=""
apt_wait() {
  [ -n "$apt_pid" ] || return 0
  if ! wait "$apt_pid"; then
    cat "$apt_log" >&2
    echo "bootstrap: apt-get could not install the test tools (see above)" >&2
    exit 1
  fi
  apt_pid=""
  rm -f "$apt_log"
}

if [ "$want_test" -eq 1 ]; then
  missing=()
  command -v influxd >/dev/null 2>&1 || missing+=(influxdb)
  command -v dbus-daemon >/dev/null 2>&1 || missing+=(dbus)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v java >/dev/null 2>&1 || missing+=(default-jdk-headless)  # actipy's device parsers
  command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)  # the report's PDF tests
  command -v caddy >/dev/null 2>&1 || missing+=(caddy)  # the practice's Caddyfile (tests/security)
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing Debian packages: ${missing[*]} (while pip works)"
    apt_log=$(mktemp)
    apt_install "${missing[@]}" >"$apt_log" 2>&1 &
    apt_pid=$!
  fi
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "bootstrap: backcoach needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2
  apt_wait
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$python" -m venv .venv || {
    apt_wait
    say "installing Debian packages: python3-venv"
    apt_install python3-venv
    "$python" -m venv .venv
  }
fi
extras=""
[ "$want_test" -eq 1 ] && extras="[dev]"
say "installing backcoach${extras} into .venv"
log=$(mktemp)
.venv/bin/python -m pip install -q --upgrade pip >"$log" 2>&1 || true  # an old pip still works
t0=$SECONDS
if ! pip_install "$log" -e ".${extras}"; then
  grep -v -e '^WARNING: Location' "$log" >&2
  echo "bootstrap: pip could not install backcoach${extras} (see above)" >&2
  apt_wait
  exit 1
fi
n=$(grep -c -E "$PIP_PACKAGE_LINES" "$log" || true)
rm -f "$log"
if [ -n "$apt_pid" ]; then
  say "waiting for apt-get"
  apt_wait
  # Debian's caddy package starts a web server on port 80; the tests run their own.
  if printf '%s\n' "${missing[@]}" | grep -qx caddy && systemctl is-active --quiet caddy 2>/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo systemctl disable --now caddy >/dev/null 2>&1 || true
  fi
fi
say "ready: backcoach${extras} and $n packages in .venv ($((SECONDS - t0)) s)"
