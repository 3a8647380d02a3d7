#!/usr/bin/env bash
# Build the Windows executable, target/x86_64-pc-windows-gnu/release/tonghop.exe, on a
# Debian or Ubuntu machine: Rust's x86_64-pc-windows-gnu target and the MinGW-w64 linker
# and C compiler (rusqlite builds its bundled SQLite from C). What is missing is installed
# first: the MinGW package with apt-get (as root, or through sudo), the target with rustup.
# The .exe is self-contained (the C and Rust runtimes are linked in statically): copying it
# alone to the clerk's PC is enough.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=x86_64-pc-windows-gnu

if ! command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
  echo "build-windows: installing the MinGW-w64 compiler (gcc-mingw-w64-x86-64)" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends gcc-mingw-w64-x86-64 >/dev/null
fi

if ! rustup target list --installed | grep -qx "$TARGET"; then
  echo "build-windows: adding the Rust target $TARGET" >&2
  rustup target add "$TARGET"
fi

cargo build --release --locked --target "$TARGET" --bin tonghop "$@"

EXE="${CARGO_TARGET_DIR:-target}/$TARGET/release/tonghop.exe"
ls -l "$EXE" >&2
echo "$EXE"
