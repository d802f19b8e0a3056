#!/usr/bin/env bash
# The action's scan step: SARIF to $LEAKLINT_SARIF, exit code to $GITHUB_OUTPUT.
#   LEAKLINT_BIN, LEAKLINT_PATHS, LEAKLINT_ARGS, LEAKLINT_CATEGORY, LEAKLINT_SARIF,
#   LEAKLINT_CACHE (result cache directory; empty: no cache)
# Exit 0 with or without findings; 2 (a usage, configuration or internal error) fails.
set -uo pipefail
cache=(--no-cache)
if [ -n "${LEAKLINT_CACHE:-}" ]; then cache=(--cache-dir "$LEAKLINT_CACHE"); fi
# paths and args are split on spaces on purpose
# shellcheck disable=SC2086
"$LEAKLINT_BIN" check $LEAKLINT_PATHS $LEAKLINT_ARGS "${cache[@]}" --format sarif \
  --output "$LEAKLINT_SARIF" --sarif-category "$LEAKLINT_CATEGORY"
code=$?
{
  echo "sarif-file=$LEAKLINT_SARIF"
  echo "exit-code=$code"
} >> "$GITHUB_OUTPUT"
if [ "$code" -ge 2 ]; then exit "$code"; fi
exit 0
