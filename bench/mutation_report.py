"""Mutation scores per file from a mutmut 3 run directory (used by bench/mutation.sh).

    python bench/mutation_report.py WORKDIR [--survivors]

Reads WORKDIR/mutants/**/*.py.meta (mutmut's results) and prints, per mutated file, the
mutants by outcome and the score: (killed + timeout) / all mutants, where "no tests" (no
selected test runs the function) and "suspicious" count against the score. With
--survivors, lists every surviving mutant's name (``mutmut show NAME`` in WORKDIR diffs it).
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

DETECTED = ("killed", "timeout", "caught by type check", "segfault")
COLUMNS = ("killed", "timeout", "survived", "no tests", "suspicious", "not checked")


def outcomes(workdir: Path) -> dict[str, dict[str, str]]:
    """Source file -> mutant name -> status."""
    found: dict[str, dict[str, str]] = {}
    mutants = workdir / "mutants"
    for meta in sorted(mutants.rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if codes:
            source = str(meta.relative_to(mutants)).removesuffix(".meta")
            found[source] = {name: status_by_exit_code[code] for name, code in codes.items()}
    return found


def score(statuses: Counter[str]) -> float:
    total = sum(statuses.values())
    return 100.0 * sum(statuses[s] for s in DETECTED) / total if total else 100.0


def main(argv: list[str]) -> int:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--survivors", action="store_true")
    args = parser.parse_args(argv)
    results = outcomes(args.workdir)
    if not results:
        print(f"no mutmut results under {args.workdir}/mutants", file=sys.stderr)
        return 1
    header = f"{'file':32} {'mutants':>7} " + " ".join(f"{c:>8.8}" for c in COLUMNS)
    print(header + "    score")
    overall: Counter[str] = Counter()
    for source, by_name in results.items():
        statuses = Counter(by_name.values())
        overall += statuses
        cells = " ".join(f"{statuses[c]:>8}" for c in COLUMNS)
        print(f"{source:32} {len(by_name):>7} {cells} {score(statuses):7.1f} %")
    cells = " ".join(f"{overall[c]:>8}" for c in COLUMNS)
    print(f"{'all':32} {sum(overall.values()):>7} {cells} {score(overall):7.1f} %")
    if args.survivors:
        for source, by_name in results.items():
            alive = [n for n, s in sorted(by_name.items()) if s not in DETECTED]
            if alive:
                print(f"\n{source}:")
                print("\n".join(f"  {by_name[n]:10} {n}" for n in alive))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
