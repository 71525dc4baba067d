#!/usr/bin/env bash
# Mutation testing with mutmut 3 over verify/ and ledger/log/. Slow (minutes to hours): not in CI.
#
#   bench/mutation.sh [--rev REV] [FILE.py ...]
#
# FILEs are the modules to mutate, relative to the repository (default: every verify/*.py and
# ledger/log/*.py). The tree is first copied, from the working tree (tracked and untracked,
# not ignored) or from git revision REV, into MUTATION_WORKDIR (default: a new
# /tmp/gongshi-mutation.XXXX), so the checkout never gets a mutants/ directory and edits made
# during the run don't leak into it. mutmut then runs there over the tests that exercise these
# modules (MUTATION_TESTS, space-separated, overrides the selection below); a mutant is run
# only against the selected tests that call the mutated function, stopping at the first
# failure. SQLite only, unless GONGSHI_TEST_DATABASE_URL is set (PostgreSQL too: about twice
# the time). MUTATION_JOBS parallel workers (default: the number of CPUs). MUTATION_PYTEST_ARGS
# are added to every pytest run (e.g. "--deselect TEST" for a test already failing: mutmut
# needs the selected tests to pass on the unmutated code).
#
# Prints the score per file ((killed + timeout) / mutants) and every survivor; to see one:
#   cd WORKDIR && ../path/to/.venv/bin/mutmut show NAME
# The run directory is kept for that. Survivors examined so far, and why
# the remaining ones live, are in bench/mutation-survivors.md.
#
# mutmut is not a CI dependency: it is the "mutation" extra in pyproject.toml, installed into
# .venv from that pin when missing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
python="$root/.venv/bin/python"
rev=""
files=()
while (($#)); do
    case $1 in
        --rev) rev=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "mutation.sh: unknown option $1" >&2; exit 2 ;;
        *) files+=("$1"); shift ;;
    esac
done

cd "$root"
if ((${#files[@]} == 0)); then
    mapfile -t files < <(ls verify/*.py ledger/log/*.py | grep -v '/__init__\.py$')
fi
for f in "${files[@]}"; do
    case $f in
        verify/*.py|ledger/*.py) ;;
        *) echo "mutation.sh: $f is not a module under verify/ or ledger/" >&2; exit 2 ;;
    esac
done

spec=$("$python" - "$root/pyproject.toml" <<'EOF'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    print(tomllib.load(f)["project"]["optional-dependencies"]["mutation"][0])
EOF
)
if ! "$python" -c 'import importlib.metadata as m, sys; sys.exit(not m.version("mutmut").startswith("3."))' 2>/dev/null; then
    echo "installing $spec into .venv"
    "$python" -m pip install --quiet "$spec"
fi

work=${MUTATION_WORKDIR:-$(mktemp -d /tmp/gongshi-mutation.XXXX)}
mkdir -p "$work"
if [[ -n $rev ]]; then
    git archive "$rev" | tar -x -C "$work"
else
    git ls-files -z -co --exclude-standard | tar --null --ignore-failed-read -T - -c | tar -x -C "$work"
fi
if grep -q '^\[tool\.mutmut\]' "$work/pyproject.toml"; then
    echo "mutation.sh: pyproject.toml has [tool.mutmut]; this script's setup.cfg would be ignored" >&2
    exit 2
fi

# The tests that exercise verify/ and ledger/log/ in-process. Left out: the demo CLI tests
# and the multi-process and e2e tests (their subprocesses import the unmutated code), and the
# domain and projection tests (they reach verify/ only through record encoding, covered here).
tests=(
    tests/unit
    tests/integration/test_log.py
    tests/integration/test_log_audit.py
    tests/integration/test_log_properties.py
    tests/integration/test_check_tampering.py
    tests/integration/test_verify_bundle.py
    tests/integration/test_published_crosscheck.py
    tests/api/test_log_http.py
    tests/api/test_tiles.py
    tests/api/test_audit_export.py
)
# It reads verify/'s source text (imports, size), which mutmut rewrites with its trampolines.
source_text_tests=tests/unit/test_verify_independent.py
shopt -s nullglob
for extra in "$work"/tests/{integration,api}/test_*{witness,cosign,checkpoint,policy,verify,proof}*.py; do
    tests+=("${extra#"$work"/}")
done
shopt -u nullglob
if [[ -n ${MUTATION_TESTS:-} ]]; then
    read -r -a tests <<<"$MUTATION_TESTS"
fi

{
    echo "[mutmut]"
    echo "source_paths ="
    printf '    %s\n' verify ledger
    echo "only_mutate ="
    printf '    %s\n' "${files[@]}"
    echo "also_copy ="
    printf '    %s\n' api projections docs
    echo "pytest_add_cli_args_test_selection ="
    printf '    %s\n' $(printf '%s\n' "${tests[@]}" | sort -u)
    echo "pytest_add_cli_args ="
    printf '    %s\n' -p no:cacheprovider --hypothesis-seed=0 "--ignore=$source_text_tests" \
        ${MUTATION_PYTEST_ARGS:-}
} >"$work/setup.cfg"

jobs=${MUTATION_JOBS:-$(nproc)}
echo "mutating ${#files[@]} files in $work with $jobs workers (log: $work/mutmut.log)"
printf '  %s\n' "${files[@]}"
start=$SECONDS
status=0
(cd "$work" && env -u CI "$root/.venv/bin/mutmut" run --max-children "$jobs") >"$work/mutmut.log" 2>&1 || status=$?
elapsed=$((SECONDS - start))
if ((status != 0)); then
    tail -n 40 "$work/mutmut.log" >&2
    echo "mutation.sh: mutmut exited $status after ${elapsed}s (see $work/mutmut.log)" >&2
    exit "$status"
fi
"$python" "$root/bench/mutation_report.py" "$work" --survivors
printf '\nmutmut run: %dm%02ds with %s workers; results in %s\n' \
    $((elapsed / 60)) $((elapsed % 60)) "$jobs" "$work"
