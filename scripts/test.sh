#!/usr/bin/env bash
# Runs every test and ends with the line "N passed, N failed" (tap's leaf-assertion counts).
# Usage: npm test [-- tap args, e.g. test/runtime]
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test-env.sh || echo "setup-test-env: some optional tools are missing (see above); dependent tests will skip"
out=$(mktemp)
npx tap --reporter=tap "$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
summary=$(grep -E '^# \{ total: ' "$out" | tail -1)
rm -f "$out"
pass=$(sed -nE 's/.*pass: ([0-9]+).*/\1/p' <<<"$summary"); pass=${pass:-0}
fail=$(sed -nE 's/.*fail: ([0-9]+).*/\1/p' <<<"$summary"); fail=${fail:-0}
skip=$(sed -nE 's/.*skip: ([0-9]+).*/\1/p' <<<"$summary"); skip=${skip:-0}
if [ "$status" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi # a crashed file or runner error counts
echo "$pass passed, $fail failed, $skip skipped"
exit "$status"
