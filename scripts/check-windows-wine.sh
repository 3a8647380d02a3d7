#!/usr/bin/env bash
# The documented check of the Windows executable (README, "The Windows executable"):
# run tonghop.exe under Wine on the shipped samples and compare its outputs with the Linux
# build's on the same inputs, the same day (TONGHOP_TODAY) and the same relative paths:
# report.json byte for byte, every workbook's parts (sheet XML, styles, ...) byte for byte,
# the same files written, the same exit code and the same summary (path separators aside).
#
# Then the same for the double-click and drag-and-drop mode (src/cmd/clicked.rs), each
# side started as a clerk starts it, the program found by its own location (no
# TONGHOP_TEST_EXE_DIR):
#   dropped  one folder "Báo cáo 6 tháng" given, absolute (Z:\... under Wine);
#   clicked  no arguments, the inbox bai-nop beside the program in "Tổng hợp", twice
#            (the second click writes ket-qua-DAY-2 and leaves the first untouched);
#   no inbox no arguments and no bai-nop: exit 2, the Vietnamese guidance, nothing made;
# each compared with the Linux build in the same mode: the exit code, the files written
# (outputs, archive beside them, nothing in the inbox or beside the program), report.json
# byte for byte (the archive's wall-clock days aside, see scripts/wine-only/compare.py),
# workbooks part by part, the archive row by row (clock and absolute folders aside), the
# summary (each side's folder and separators aside), and that it names every returned
# unit by code and name. Windows only, under Wine: a dropped drive root ("P:\" as
# Explorer quotes it, which arrives as P:"): outputs beside the program, the same
# report.json as the dropped folder's; and the wait: in a console of its own the window
# asks for Enter and closes on it, from cmd (a shared console) it does not ask; the
# Linux build in a terminal does not ask. TONGHOP_TEST_NO_WAIT is set for every other run
# (standard input is /dev/null as well); each run is stopped after 5 minutes as hung.
# Last, Ctrl-C on both sides (SIGINT, which Wine hands to tonghop.exe as a console
# CTRL_C_EVENT) while reading, with the new set staged and while `template` writes:
# exit 130, OUT as it was.
#
# Wine 8 (Debian 12's) has no bcryptprimitives.dll, whose ProcessPrng Rust's standard
# library calls on Windows 10 and 11; the check builds scripts/wine-only/
# bcryptprimitives-standin.c into a throw-away Wine prefix. That stand-in is for Wine only:
# it never goes beside tonghop.exe and never to a clerk.
#
# Honours CARGO_TARGET_DIR (both builds go there) and CARGO_BUILD_JOBS.
# Needs root (or sudo) the first time, to install Wine and MinGW with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
HELP="$ROOT/scripts/wine-only/compare.py"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! command -v wine >/dev/null 2>&1 || [ ! -x /usr/lib/wine/wine64 ]; then
  echo "check-windows-wine: installing Wine (wine, wine64)" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends wine wine64 >/dev/null
fi

TARGET_DIR=${CARGO_TARGET_DIR:-target}
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
# build-windows.sh installs MinGW and the Rust target and builds; it names the .exe under
# target/ whatever CARGO_TARGET_DIR says (and then fails to list it), so the path is
# taken here, and the build repeated (a no-op when done) to fail on a real error.
if ! ./scripts/build-windows.sh >/dev/null && [ -z "${CARGO_TARGET_DIR:-}" ]; then exit 1; fi
cargo build --release --locked --target x86_64-pc-windows-gnu --bin tonghop
EXE="$TARGET_DIR/x86_64-pc-windows-gnu/release/tonghop.exe"
cargo build --release --locked --bin tonghop
LINUX="$TARGET_DIR/release/tonghop"
ls -l "$EXE" "$LINUX" >&2

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tonghop-wine.XXXXXX")
trap 'wineserver -k >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
export WINEPREFIX="$WORK/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wineboot --init >/dev/null 2>&1 || true
wineserver -w
x86_64-w64-mingw32-gcc -O2 -shared -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
  scripts/wine-only/bcryptprimitives-standin.c scripts/wine-only/bcryptprimitives-standin.def -ladvapi32

# One day for both runs: the status sheet counts days late from it. Nothing else of the
# caller's chooses the language, the form or the program's folder.
export TONGHOP_TODAY=2026-07-15
unset TONGHOP_LANG TONGHOP_FORM TONGHOP_TEST_EXE_DIR TONGHOP_TEST_NO_WAIT
DAY="ket-qua-$TONGHOP_TODAY"
LOGS="$WORK/logs"
mkdir -p "$LOGS"

fail=0
say() { echo "check-windows-wine: $*"; }
bad() { say "$*"; fail=1; }
winpath() { winepath -w "$1" 2>/dev/null; }
# run NAME DIR CMD...: CMD in DIR, standard input /dev/null, its output in $LOGS/NAME.out
# and .err, its exit code in RC (124: hung, stopped after 5 minutes).
run() {
  local name=$1 dir=$2; shift 2
  set +e
  (cd "$dir" && timeout 300 "$@" </dev/null >"$LOGS/$name.out" 2>"$LOGS/$name.err")
  RC=$?
  set -e
}
same_rc() { # LABEL LINUX_RC WINDOWS_RC [EXPECTED]
  if [ "$2" != "$3" ]; then bad "$1: exit codes differ: Linux $2, Windows $3"
  elif [ -n "${4:-}" ] && [ "$2" != "$4" ]; then bad "$1: exit code $2 on both, $4 expected"
  else say "$1: exit code $2 on both"; fi
}
same_files() { # LABEL LINUX_DIR WINDOWS_DIR [--skip REL]...
  local label=$1 a=$2 b=$3; shift 3
  python3 "$HELP" files "$a" "$@" >"$WORK/l.files"
  python3 "$HELP" files "$b" "$@" >"$WORK/w.files"
  if ! diff -u "$WORK/l.files" "$WORK/w.files"; then bad "$label: the two runs wrote different files"
  elif [ ! -s "$WORK/l.files" ]; then bad "$label: nothing written"
  else say "$label: the same $(wc -l <"$WORK/l.files") files written by both"; fi
}
same_outputs() { # LABEL LINUX_DIR WINDOWS_DIR [--skip REL]...: report.json, workbooks, don-doc.csv
  local label=$1 a=$2 b=$3; shift 3
  say "$label: report.json"
  python3 "$HELP" reports "$a" "$b" "$@" || bad "$label: report.json differs"
  say "$label: workbooks"
  python3 "$HELP" books "$a" "$b" "$@" || bad "$label: workbooks differ"
  local f
  while IFS= read -r f; do
    case "$f" in
      */don-doc.csv | don-doc.csv)
        cmp -s "$a/$f" "$b/$f" || bad "$label: $f differs" ;;
    esac
  done <"$WORK/l.files"
}
same_text() { # LABEL WHAT LINUX_FILE WINDOWS_FILE [LINUX_FROM=TO]... -- [WINDOWS_FROM=TO]...
  local label=$1 what=$2 l=$3 w=$4; shift 4
  local lr=() wr=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do lr+=("$1"); shift; done
  shift
  wr=("$@")
  if ! diff -u <(python3 "$HELP" norm "$l" "${lr[@]}") \
      <(python3 "$HELP" norm "$w" --windows "${wr[@]}"); then
    bad "$label: the ${what}s differ"
  else say "$label: the same $what ($(wc -l <"$l") lines)"; fi
}
same_inputs() { # LABEL DIR HASHES_BEFORE
  if python3 "$HELP" hashes "$2" | cmp -s - "$3"; then say "$1: the inbox is untouched"
  else bad "$1: the inbox changed"; fi
}

# --- The command line: tonghop run samples --out out --no-archive -------------------------
# The inputs are copied with their times (cp -a), here and below: report.json's versions
# give each file's modification time (file_time), which copies made a second apart
# would not share.
for side in linux windows; do
  mkdir -p "$WORK/$side"
  cp -a samples "$WORK/$side/samples"
done
run normal.linux "$WORK/linux" "$LINUX" run samples --out out --no-archive
LINUX_RC=$RC
run normal.windows "$WORK/windows" wine "$EXE" run samples --out out --no-archive
WINDOWS_RC=$RC
same_rc "command line" "$LINUX_RC" "$WINDOWS_RC"
same_files "command line" "$WORK/linux/out" "$WORK/windows/out"
same_outputs "command line" "$WORK/linux/out" "$WORK/windows/out"
# The summary names the same things; Windows writes out\tong-hop.xlsx for out/tong-hop.xlsx
# and ends lines with CR LF only if it chose to (it does not).
same_text "command line" summary "$LOGS/normal.linux.out" "$LOGS/normal.windows.out" --

# --- Double-click and drag-and-drop ---------------------------------------------------------
# Each side in a folder of its own, holding the program as the clerk's PC does.
export TONGHOP_TEST_NO_WAIT=1
side_root() { mkdir -p "$WORK/$1/$2"; echo "$WORK/$1/$2"; }

# Dropped: one folder, absolute, with a space and diacritics; the program elsewhere.
INBOX="Báo cáo 6 tháng"
L=$(side_root dropped linux); W=$(side_root dropped windows)
for d in "$L" "$W"; do cp -a samples "$d/$INBOX"; mkdir "$d/chuong-trinh"; done
cp "$LINUX" "$L/chuong-trinh/tonghop"; cp "$EXE" "$W/chuong-trinh/tonghop.exe"
python3 "$HELP" hashes "$L/$INBOX" >"$WORK/inbox.hashes"
WL=$(winpath "$W")
run dropped.linux "$L" "$L/chuong-trinh/tonghop" "$L/$INBOX"
LINUX_RC=$RC
run dropped.windows "$W" wine "$W/chuong-trinh/tonghop.exe" "$WL\\$INBOX"
WINDOWS_RC=$RC
SKIP=(--skip "$INBOX" --skip chuong-trinh/tonghop --skip chuong-trinh/tonghop.exe)
same_rc dropped "$LINUX_RC" "$WINDOWS_RC" 1
same_files dropped "$L" "$W" "${SKIP[@]}"
same_outputs dropped "$L" "$W" "${SKIP[@]}"
say "dropped: archive"
python3 "$HELP" archive "$L/tonghop-luu-tru.sqlite" "$W/tonghop-luu-tru.sqlite" "$L" "$WL" ||
  bad "dropped: the archives differ"
same_text dropped summary "$LOGS/dropped.linux.out" "$LOGS/dropped.windows.out" "$L=ROOT" -- "$WL=ROOT"
same_text dropped "error output" "$LOGS/dropped.linux.err" "$LOGS/dropped.windows.err" "$L=ROOT" -- "$WL=ROOT"
say "dropped: Linux summary"
python3 "$HELP" summary "$LOGS/dropped.linux.out" "$L/$DAY/report.json" "$L/$INBOX" "$L/$DAY" / ||
  bad "dropped: the Linux summary"
say "dropped: Windows summary"
python3 "$HELP" summary "$LOGS/dropped.windows.out" "$W/$DAY/report.json" "$WL\\$INBOX" "$WL\\$DAY" '\' ||
  bad "dropped: the Windows summary"
same_inputs "dropped (Linux)" "$L/$INBOX" "$WORK/inbox.hashes"
same_inputs "dropped (Windows)" "$W/$INBOX" "$WORK/inbox.hashes"
DROPPED_LINUX=$L DROPPED_RC=$LINUX_RC

# Clicked: no arguments, bai-nop beside the program; started from another folder. Twice.
PROG="Tổng hợp"
L=$(side_root clicked linux); W=$(side_root clicked windows)
for d in "$L" "$W"; do mkdir -p "$d/$PROG" "$d/cwd"; cp -a samples "$d/$PROG/bai-nop"; done
cp "$LINUX" "$L/$PROG/tonghop"; cp "$EXE" "$W/$PROG/tonghop.exe"
WL=$(winpath "$W")
SKIP=(--skip "$PROG/bai-nop" --skip "$PROG/tonghop" --skip "$PROG/tonghop.exe")
for click in 1 2; do
  label="clicked ($click)"
  out="$DAY"; [ "$click" = 1 ] || out="$DAY-$click"
  run "clicked$click.linux" "$L/cwd" "$L/$PROG/tonghop"
  LINUX_RC=$RC
  run "clicked$click.windows" "$W/cwd" wine "$W/$PROG/tonghop.exe"
  WINDOWS_RC=$RC
  same_rc "$label" "$LINUX_RC" "$WINDOWS_RC" 1
  same_files "$label" "$L" "$W" "${SKIP[@]}"
  if [ "$click" = 1 ]; then
    sha256sum "$L/$PROG/$DAY/report.json" "$W/$PROG/$DAY/report.json" >"$WORK/first.sha"
  else
    sha256sum -c --quiet "$WORK/first.sha" && say "$label: the first result is untouched" ||
      bad "$label: the second click changed the first result"
  fi
  same_outputs "$label" "$L" "$W" "${SKIP[@]}"
  say "$label: archive"
  python3 "$HELP" archive "$L/$PROG/tonghop-luu-tru.sqlite" "$W/$PROG/tonghop-luu-tru.sqlite" "$L" "$WL" ||
    bad "$label: the archives differ"
  same_text "$label" summary "$LOGS/clicked$click.linux.out" "$LOGS/clicked$click.windows.out" "$L=ROOT" -- "$WL=ROOT"
  same_text "$label" "error output" "$LOGS/clicked$click.linux.err" "$LOGS/clicked$click.windows.err" "$L=ROOT" -- "$WL=ROOT"
  say "$label: Linux summary"
  python3 "$HELP" summary "$LOGS/clicked$click.linux.out" "$L/$PROG/$out/report.json" \
    "$L/$PROG/bai-nop" "$L/$PROG/$out" / || bad "$label: the Linux summary"
  say "$label: Windows summary"
  python3 "$HELP" summary "$LOGS/clicked$click.windows.out" "$W/$PROG/$out/report.json" \
    "$WL\\$PROG\\bai-nop" "$WL\\$PROG\\$out" '\' || bad "$label: the Windows summary"
  [ -z "$(find "$L/cwd" "$W/cwd" -mindepth 1)" ] || bad "$label: something was written into the folder it was started from"
done
same_inputs "clicked (Windows)" "$W/$PROG/bai-nop" "$WORK/inbox.hashes"

# No inbox beside the program: exit 2, what to do, nothing created.
L=$(side_root noinbox linux); W=$(side_root noinbox windows)
mkdir "$L/prog" "$W/prog"; cp "$LINUX" "$L/prog/tonghop"; cp "$EXE" "$W/prog/tonghop.exe"
WL=$(winpath "$W")
run noinbox.linux "$L" "$L/prog/tonghop"
LINUX_RC=$RC
run noinbox.windows "$W" wine "$W/prog/tonghop.exe"
WINDOWS_RC=$RC
same_rc "no inbox" "$LINUX_RC" "$WINDOWS_RC" 2
same_text "no inbox" "error output" "$LOGS/noinbox.linux.err" "$LOGS/noinbox.windows.err" "$L=ROOT" -- "$WL=ROOT"
grep -qF "không tìm thấy thư mục bài nộp $WL\\prog\\bai-nop" "$LOGS/noinbox.windows.err" &&
  grep -qF "Tạo thư mục bai-nop cạnh tonghop.exe" "$LOGS/noinbox.windows.err" &&
  grep -qF "thả lên tonghop.exe" "$LOGS/noinbox.windows.err" ||
  bad "no inbox: the Windows guidance does not name the folder and tonghop.exe"
if [ "$(find "$L" "$W" -mindepth 1 | wc -l)" = 4 ] && [ ! -s "$LOGS/noinbox.windows.out" ]; then
  say "no inbox: nothing created, nothing on standard output"
else bad "no inbox: something was created or printed"; fi

# Windows only: a drive's root dropped. Explorer writes "P:\", which Windows' argument
# rules read as P:" (a batch file gives tonghop.exe that very command line); the outputs
# go beside the program, and are the dropped folder's.
D="$WORK/drive"
mkdir -p "$D/usb" "$D/prog"; cp -a samples/. "$D/usb/"; cp "$EXE" "$D/prog/tonghop.exe"
ln -sfn "$D/usb" "$WINEPREFIX/dosdevices/p:"
DP=$(winpath "$D/prog")
printf '@"%s\\tonghop.exe" "P:\\"\r\n@exit /b %%errorlevel%%\r\n' "$DP" >"$D/drop.bat"
run drive.windows "$D" wine cmd /c "$(winpath "$D/drop.bat")"
same_rc "drive root (Windows) and dropped folder (Linux)" "$DROPPED_RC" "$RC" 1
L=$DROPPED_LINUX
SKIP=(--skip "$INBOX" --skip chuong-trinh/tonghop --skip tonghop.exe)
same_files "drive root" "$L" "$D/prog" "${SKIP[@]}"
same_outputs "drive root" "$L" "$D/prog" "${SKIP[@]}"
same_text "drive root" summary "$LOGS/dropped.linux.out" "$LOGS/drive.windows.out" \
  "$L/$INBOX=INBOX" "$L=OUT" -- 'P:\=INBOX' "$DP=OUT"
say "drive root: Windows summary"
python3 "$HELP" summary "$LOGS/drive.windows.out" "$D/prog/$DAY/report.json" 'P:\' "$DP\\$DAY" '\' ||
  bad "drive root: the Windows summary"
same_inputs "drive root" "$D/usb" "$WORK/inbox.hashes"

# The wait, without TONGHOP_TEST_NO_WAIT, in a terminal (under Wine, a console): in a
# console of its own tonghop.exe asks for Enter after its result and closes on it; started
# from cmd (a console it shares) it does not ask; nor does the Linux build, ever.
C="$WORK/console"
mkdir -p "$C/linux/prog" "$C/windows/prog"
for d in "$C/linux" "$C/windows"; do cp -a samples "$d/prog/bai-nop"; done
cp "$LINUX" "$C/linux/prog/tonghop"; cp "$EXE" "$C/windows/prog/tonghop.exe"
console() { # WHAT EXPECTED DIR ENTER|NONE CMD...
  local what=$1 expected=$2 dir=$3 mode=$4 got; shift 4
  got=$(cd "$dir" && env -u TONGHOP_TEST_NO_WAIT python3 "$HELP" console "$mode" 120 "$@" 2>"$LOGS/console.err") || true
  if [ "$got" = "$expected" ]; then say "wait: $what: $got"
  else bad "wait: $what: $got, $expected expected"; fi
}
console "tonghop.exe in a console of its own" "prompt=yes rc=1" "$C/windows" ENTER \
  wine "$C/windows/prog/tonghop.exe"
console "tonghop.exe started from cmd" "prompt=no rc=1" "$C/windows" NONE \
  wine cmd /c "$(winpath "$C/windows/prog/tonghop.exe")"
console "the Linux build in a terminal" "prompt=no rc=1" "$C/linux" NONE "$C/linux/prog/tonghop"
for d in "$C/windows/prog/$DAY" "$C/windows/prog/$DAY-2" "$C/linux/prog/$DAY"; do
  [ -f "$d/tong-hop.xlsx" ] || bad "wait: no ${d#"$C"/}/tong-hop.xlsx"
done

# --- Ctrl-C ---------------------------------------------------------------------------------
# Each side stopped by Ctrl-C (SIGINT; under Wine a CTRL_C_EVENT to tonghop.exe's console
# control handler) at three moments, on top of the command line's outputs: while the
# files are read, once the new set is staged inside OUT (before the swap), and while
# `template` writes its one workbook. Each must end with exit 130 on both sides, say so
# in Vietnamese, and leave OUT (and the template's folder) exactly as it was: the same
# files with the same bytes, no staging folder, lock or temporary file.
interrupted() { # LABEL SIDE STEP DIR WATCHED CMD...: stopped at STEP; WATCHED unchanged
  local label=$1 side=$2 step=$3 dir=$4 watched=$5 got; shift 5
  mkdir -p "$dir/$watched"
  python3 "$HELP" hashes "$dir/$watched" >"$WORK/ctrlc.before"
  got=$(cd "$dir" && python3 "$HELP" interrupt "$step" 120 "$LOGS/ctrlc.$side.$step.err" "$@") || true
  if [ "$got" != "paused=yes rc=130" ]; then
    bad "Ctrl-C $label ($side): $got, paused=yes rc=130 expected"
  elif ! python3 "$HELP" hashes "$dir/$watched" | cmp -s - "$WORK/ctrlc.before"; then
    bad "Ctrl-C $label ($side): $watched changed or something was left in it"
  elif ! grep -qF "đã dừng theo yêu cầu (Ctrl-C)" "$LOGS/ctrlc.$side.$step.err"; then
    bad "Ctrl-C $label ($side): the message does not say it stopped on Ctrl-C"
  else say "Ctrl-C $label ($side): exit 130, $watched as it was"; fi
}
for side in linux windows; do
  if [ "$side" = linux ]; then PROGRAM=("$LINUX"); else PROGRAM=(wine "$EXE"); fi
  # TONGHOP_TEST_RESUME names a file that never comes: the pause lasts until the signal.
  interrupted "while reading" "$side" reading "$WORK/$side" out \
    env TONGHOP_TEST_RESUME=never "${PROGRAM[@]}" run samples --out out --no-archive --jobs 1
  interrupted "with the new set staged" "$side" staged "$WORK/$side" out \
    "${PROGRAM[@]}" run samples --out out --no-archive
  interrupted "while template writes" "$side" saving "$WORK/$side" mau \
    "${PROGRAM[@]}" template --out mau/mau.xlsx
done

if [ "$fail" -ne 0 ]; then
  say "FAILED"; exit 1
fi
say "OK: the Windows executable under Wine gives the Linux build's outputs, from the command line, a dropped folder and a double-click, and stops on Ctrl-C as it does"
