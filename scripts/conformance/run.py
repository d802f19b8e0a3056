#!/usr/bin/env python3
"""Build every peer's conformance suite from local mirrors and score leaklint on them.

    python scripts/conformance/run.py --mirrors /work/.mirror --out /tmp/conformance
                                      [--only PEER,...] [--json FILE] [score.py options]

Each builder (`build_<peer>.py` beside this script: PEER, REPOSITORY, COMMIT and
build(mirror, out)) finds its repository under a --mirrors directory as
`<owner>+<name>/repo` (a git directory, read at the builder's commit) or `<owner>+<name>/`
(a plain tree of files), or else where the builder's default_mirror() says. A peer whose repository is in no mirror, or whose
builder's unavailable() names a missing tool, is named and skipped
(exit status 2 if any was asked for with --only). The suites go to OUT/<peer>/, outside
the repository; then score.py scores them all.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import score  # noqa: E402
from suite import SuiteError, build_suite  # noqa: E402


def builders() -> dict[str, object]:
    found = {}
    for path in sorted(HERE.glob("build_*.py")):
        module = importlib.import_module(path.stem)
        found[module.PEER] = module
    return found


def find_mirror(repository: str, mirrors: list[Path]) -> Path | None:
    key = repository.replace("/", "+")
    for base in mirrors:
        for candidate in (base / key / "repo", base / key):
            if candidate.is_dir():
                return candidate
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", type=Path, action="append", required=True,
                        help="directory holding <owner>+<name>[/repo] mirrors (repeatable)")
    parser.add_argument("--out", type=Path, required=True, help="where the suites are built (OUT/<peer>)")
    parser.add_argument("--only", help="comma-separated peers (default: every builder)")
    parser.add_argument("--json", help="write the scores as JSON to this file")
    parser.add_argument("--min-recall", help="exit 1 when a suite's recall is below")
    parser.add_argument("--min-precision", help="exit 1 when a suite's precision is below")
    args = parser.parse_args(argv)
    known = builders()
    wanted = args.only.split(",") if args.only else list(known)
    unknown = [p for p in wanted if p not in known]
    if unknown:
        print(f"error: no builder for {', '.join(unknown)} (known: {', '.join(known)})", file=sys.stderr)
        return 2
    built, missing = [], []
    for peer in wanted:
        module = known[peer]
        mirror = find_mirror(module.REPOSITORY, args.mirrors)
        if mirror is None and hasattr(module, "default_mirror"):
            mirror = module.default_mirror()
        if mirror is None:
            missing.append(peer)
            print(f"{peer}: skipped, no mirror of {module.REPOSITORY} under "
                  f"{', '.join(map(str, args.mirrors))}", file=sys.stderr)
            continue
        why_not = module.unavailable() if hasattr(module, "unavailable") else None
        if why_not:  # a builder that needs tools outside Python (Node, a peer's CLI)
            missing.append(peer)
            print(f"{peer}: skipped, {why_not}", file=sys.stderr)
            continue
        try:
            build_suite(module, mirror, args.out / peer)
        except SuiteError as exc:
            print(f"error: {peer}: {exc}", file=sys.stderr)
            return 2
        built.append(args.out / peer)
    if not built:
        print("error: no suite built", file=sys.stderr)
        return 2
    extra = [f"--{name.replace('_', '-')}={value}" for name, value in
             (("json", args.json), ("min_recall", args.min_recall), ("min_precision", args.min_precision)) if value]
    status = score.main([*map(str, built), *extra])
    return 2 if missing and args.only else status


if __name__ == "__main__":
    sys.exit(main())
