#!/usr/bin/env bash
# The documented check of the Windows executable (README, "The Windows executable"):
# run tonghop.exe under Wine on the shipped samples and compare its outputs with the Linux
# build's on the same inputs, the same day (TONGHOP_TODAY) and the same relative paths:
# report.json byte for byte, every workbook's parts (sheet XML, styles, ...) byte for byte,
# the same files written, the same exit code and the same summary (path separators aside).
#
# Wine 8 (Debian 12's) has no bcryptprimitives.dll, whose ProcessPrng Rust's standard
# library calls on Windows 10 and 11; the check builds scripts/wine-only/
# bcryptprimitives-standin.c into a throw-away Wine prefix. That stand-in is for Wine only:
# it never goes beside tonghop.exe and never to a clerk.
#
# Needs root (or sudo) the first time, to install Wine and MinGW with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! command -v wine >/dev/null 2>&1 || [ ! -x /usr/lib/wine/wine64 ]; then
  echo "check-windows-wine: installing Wine (wine, wine64)" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends wine wine64 >/dev/null
fi

EXE=$(./scripts/build-windows.sh | tail -n 1)
cargo build --release --locked --bin tonghop
LINUX="$ROOT/target/release/tonghop"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tonghop-wine.XXXXXX")
trap 'wineserver -k >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
export WINEPREFIX="$WORK/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wineboot --init >/dev/null 2>&1 || true
wineserver -w
x86_64-w64-mingw32-gcc -O2 -shared -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
  scripts/wine-only/bcryptprimitives-standin.c scripts/wine-only/bcryptprimitives-standin.def -ladvapi32

# One day for both runs: the status sheet counts days late from it.
export TONGHOP_TODAY=2026-07-15
for side in linux windows; do
  mkdir -p "$WORK/$side"
  cp -r samples "$WORK/$side/samples"
done
set +e
(cd "$WORK/linux" && "$LINUX" run samples --out out --no-archive >stdout.txt 2>stderr.txt)
LINUX_RC=$?
(cd "$WORK/windows" && wine "$ROOT/$EXE" run samples --out out --no-archive >stdout.txt 2>stderr.txt)
WINDOWS_RC=$?
set -e

fail=0
say() { echo "check-windows-wine: $*"; }
if [ "$LINUX_RC" != "$WINDOWS_RC" ]; then
  say "exit codes differ: Linux $LINUX_RC, Windows $WINDOWS_RC"; fail=1
else
  say "exit code $LINUX_RC on both"
fi
(cd "$WORK/linux/out" && find . -type f | sort) >"$WORK/linux.files"
(cd "$WORK/windows/out" && find . -type f | sort) >"$WORK/windows.files"
if ! diff -u "$WORK/linux.files" "$WORK/windows.files"; then
  say "the two runs wrote different files"; fail=1
else
  say "$(wc -l <"$WORK/linux.files") files written by both"
fi
if cmp -s "$WORK/linux/out/report.json" "$WORK/windows/out/report.json"; then
  say "report.json byte-identical ($(wc -c <"$WORK/linux/out/report.json") bytes)"
else
  say "report.json differs"; diff <(head -c 2000000 "$WORK/linux/out/report.json") \
    <(head -c 2000000 "$WORK/windows/out/report.json") | head -20; fail=1
fi
# Every part of every workbook: a zip's own bytes may differ in timestamps, the contents not.
if python3 - "$WORK/linux/out" "$WORK/windows/out" <<'PY'
import pathlib, sys, zipfile
a, b = map(pathlib.Path, sys.argv[1:3])
bad = 0
books = sorted(p.relative_to(a) for p in a.rglob("*.xlsx"))
for rel in books:
    za, zb = zipfile.ZipFile(a / rel), zipfile.ZipFile(b / rel)
    if za.namelist() != zb.namelist():
        print(f"  {rel}: different parts"); bad += 1; continue
    for name in za.namelist():
        if za.read(name) != zb.read(name):
            print(f"  {rel}: part {name} differs"); bad += 1
print(f"check-windows-wine: {len(books)} workbooks compared part by part, {bad} differences")
sys.exit(1 if bad else 0)
PY
then :; else fail=1; fi
for f in don-doc.csv; do
  if [ -f "$WORK/linux/out/$f" ] && ! cmp -s "$WORK/linux/out/$f" "$WORK/windows/out/$f"; then
    say "$f differs"; fail=1
  fi
done
# The summary names the same things; Windows writes out\tong-hop.xlsx for out/tong-hop.xlsx
# and ends lines with CR LF only if it chose to (it does not).
if ! diff -u "$WORK/linux/stdout.txt" <(tr '\\' '/' <"$WORK/windows/stdout.txt"); then
  say "the summaries differ"; fail=1
else
  say "the summaries are the same ($(wc -l <"$WORK/linux/stdout.txt") lines)"
fi
if [ "$fail" -ne 0 ]; then
  say "FAILED"; exit 1
fi
say "OK: the Windows executable under Wine gives the Linux build's outputs"
