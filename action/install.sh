#!/usr/bin/env bash
# The action's install step: leaklint goes into a virtual environment of its own, built
# from the action's checkout, so the job's Python and its packages stay as they were.
#   LEAKLINT_PYTHON  interpreter to build the environment with (default: python3)
#   LEAKLINT_SOURCE  the leaklint checkout to install (default: this script's repository)
#   LEAKLINT_VENV    where the environment goes (default: $RUNNER_TEMP/leaklint-venv)
# Writes to $GITHUB_OUTPUT: bin (the leaklint command) and version.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${LEAKLINT_PYTHON:-python3}"
source_dir="${LEAKLINT_SOURCE:-$(dirname "$here")}"
venv="${LEAKLINT_VENV:-${RUNNER_TEMP:-/tmp}/leaklint-venv}"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$source_dir"
version="$("$venv/bin/leaklint" --version | cut -d' ' -f2)"
{
  echo "bin=$venv/bin/leaklint"
  echo "version=$version"
} >> "$GITHUB_OUTPUT"
echo "leaklint $version installed in $venv"
