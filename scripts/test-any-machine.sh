#!/usr/bin/env bash
# Run tests as on a machine booted seconds ago, far from Stockholm: a monotonic clock near zero, TZ UTC+14.
# Usage: scripts/test-any-machine.sh [pytest args]   (default: tests/unit). See docs/developing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export TZ=${ANY_MACHINE_TZ:-Pacific/Kiritimati}        # UTC+14: the local date differs from Stockholm's most of the day
export KONTAKT_TEST_MONOTONIC_START=${KONTAKT_TEST_MONOTONIC_START:-1}   # pytest's own process (tests/small_clock.py)
[ $# -gt 0 ] || set -- tests/unit
cmd=("$PY" -m pytest -q -p no:cacheprovider "$@")
# A fresh time namespace moves CLOCK_MONOTONIC and CLOCK_BOOTTIME for every process of the run (brokers, services
# started as processes) to about 1 s; it needs root or unprivileged user namespaces. Without it, only the fake
# in pytest's process applies.
up=$(cut -d' ' -f1 /proc/uptime); back=$(( ${up%.*} - 1 ))
if [ "$back" -gt 0 ] && unshare --fork --time --monotonic "-$back" --boottime "-$back" true 2>/dev/null; then
  echo "any-machine: TZ=$TZ, time namespace with monotonic ≈ 1 s" >&2
  exec unshare --fork --time --monotonic "-$back" --boottime "-$back" "${cmd[@]}"
elif [ "$back" -gt 0 ] && unshare --user --map-current-user --fork --time --monotonic "-$back" --boottime "-$back" true 2>/dev/null; then
  echo "any-machine: TZ=$TZ, user + time namespace with monotonic ≈ 1 s" >&2
  exec unshare --user --map-current-user --fork --time --monotonic "-$back" --boottime "-$back" "${cmd[@]}"
fi
echo "any-machine: TZ=$TZ, no time namespace here: monotonic faked in pytest's process only" >&2
exec "${cmd[@]}"
