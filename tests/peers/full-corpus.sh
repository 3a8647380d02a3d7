#!/usr/bin/env bash
# The whole peer corpus by hand (not part of `cargo test`: 41 MB of other projects' files).
#
#   tests/peers/full-corpus.sh CLONES [TONGHOP]
#
# CLONES holds clones of tafia/calamine, python-excel/xlrd, dtjohnson/xlsx-populate,
# exceljs/exceljs, SheetJS/test_files and jmcnamara/rust_xlsxwriter, each in a folder
# owner+name (bare or with a work tree); TONGHOP defaults to target/release/tonghop.
# Every .xlsx/.xlsm/.xls/.ods/.xlsb/.xltx/.xlam file of their committed trees is copied
# into one inbox and run at 2 and at 4 jobs; the script prints each run's time and peak
# memory and how many files got each outcome, and lists the FILE_CORRUPT ones (each must
# be a file LibreOffice cannot read either: see README.md here).
set -euo pipefail
clones=${1:?usage: full-corpus.sh CLONES [TONGHOP]}
tonghop=${2:-target/release/tonghop}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for repo in "$clones"/*; do
  git_dir=$repo
  [ -d "$repo/repo" ] && git_dir=$repo/repo
  name=$(basename "$repo")
  mkdir -p "$work/inbox/$name"
  git -C "$git_dir" ls-tree -r --name-only HEAD |
    grep -iE '\.(xlsx|xlsm|xls|ods|xlsb|xltx|xlam)$' |
    while read -r path; do
      git -C "$git_dir" show "HEAD:$path" >"$work/inbox/$name/${path//\//_}" 2>/dev/null || true
    done
done
echo "files: $(find "$work/inbox" -type f | wc -l)"
for jobs in 2 4; do
  /usr/bin/time -f "jobs $jobs: %e s, peak %M KiB" \
    "$tonghop" run "$work/inbox" --out "$work/out-$jobs" --jobs "$jobs" --no-archive --quiet || true
done
python3 - "$work/out-2/report.json" <<'PY'
import collections, json, sys
report = json.load(open(sys.argv[1]))
outcome = collections.Counter()
for s in report["submissions"]:
    refused = [f["rule"] for f in s["findings"] if f["rule"].startswith("FILE_")]
    outcome[refused[0] if refused else "read"] += 1
    if refused[:1] == ["FILE_CORRUPT"]:
        print("FILE_CORRUPT", s["file"], [f["found"] for f in s["findings"]])
print(dict(outcome), "skipped:", len(report["skipped"]))
PY
