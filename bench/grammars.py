#!/usr/bin/env python3
"""Compare the grammar wheels leaklint uses with another build of the same grammars.

    python bench/grammars.py DIR [DIR...] [--repeat N]

Parses every .go, .ts and .tsx file under the directories with the official wheels
(tree-sitter-go, tree-sitter-typescript: the baseline) and, when it is installed, with
tree-sitter-language-pack (its grammars must be inside the wheel: releases that download
grammars at run time cannot be measured offline). Prints, per grammar: files, bytes, files
with syntax errors, the best of N total parse times and the ratio to the baseline measured
in the same run. Needs only tree-sitter and the grammars, not leaklint.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

SUFFIX = {".go": "go", ".ts": "typescript", ".tsx": "tsx"}
SKIP_DIRS = {".git", "node_modules", "vendor"}


def official(lang: str):
    from tree_sitter import Language, Parser

    if lang == "go":
        import tree_sitter_go as mod

        return Parser(Language(mod.language()))
    import tree_sitter_typescript as mod

    return Parser(Language(mod.language_tsx() if lang == "tsx" else mod.language_typescript()))


def language_pack(lang: str):
    try:
        from tree_sitter_language_pack import get_parser
    except ImportError:
        return None
    try:
        return get_parser(lang)
    except Exception as exc:  # a release that fetches grammars from the network
        print(f"tree-sitter-language-pack: no {lang} grammar here ({type(exc).__name__})",
              file=sys.stderr)
        return None


def sources(dirs) -> dict[str, list[bytes]]:
    out: dict[str, list[bytes]] = {}
    for top in dirs:
        for root, subdirs, files in os.walk(top):
            subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS)
            for name in sorted(files):
                lang = SUFFIX.get(os.path.splitext(name)[1])
                if lang and not name.endswith(".d.ts"):
                    with open(os.path.join(root, name), "rb") as fh:
                        out.setdefault(lang, []).append(fh.read())
    return out


def measure(parser, texts, repeat: int) -> tuple[float, int]:
    best, errors = float("inf"), 0
    for _ in range(repeat):
        errors = 0
        start = time.perf_counter()
        for data in texts:
            errors += parser.parse(data).root_node.has_error
        best = min(best, time.perf_counter() - start)
    return best, errors


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"{'grammar':<34} {'files':>6} {'MB':>7} {'errors':>7} {'seconds':>8} {'ratio':>6}")
    for lang, texts in sorted(sources(args.dirs).items()):
        size = sum(map(len, texts)) / 1e6
        base, base_err = measure(official(lang), texts, args.repeat)
        print(f"{'official ' + lang:<34} {len(texts):>6} {size:>7.1f} {base_err:>7} "
              f"{base:>8.2f} {1.0:>6.2f}")
        other = language_pack(lang)
        if other is not None:
            t, err = measure(other, texts, args.repeat)
            print(f"{'language-pack ' + lang:<34} {len(texts):>6} {size:>7.1f} {err:>7} "
                  f"{t:>8.2f} {t / base:>6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
