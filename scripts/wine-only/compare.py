#!/usr/bin/env python3
"""Helpers of scripts/check-windows-wine.sh (a check, never shipped): compare what the
Linux build and tonghop.exe under Wine wrote, and drive a program in a terminal.

  files ROOT [--skip REL]...      the files under ROOT, relative, sorted, one a line
  hashes DIR                      each file under DIR with its SHA-256 (inputs untouched)
  reports A B [--skip REL]...     every report.json under A against B's, byte for byte
  books A B [--skip REL]...       every workbook under A against B's, part by part
  archive A B ROOT_A ROOT_B       two archives (SQLite) row by row, each side's root
                                  written ROOT and its separators as /
  norm FILE [FROM=TO]...          FILE with each FROM replaced by TO, in order; with
                                  --windows first, then \\ as / and tonghop.exe as tonghop
  summary STDOUT REPORT INBOX OUT SEP
                                  the double-click summary as the clerk reads it: the
                                  inbox, the output folder, the counts, each returned
                                  unit by code and name with its file, the workbook last
  console ENTER|NONE SECONDS CMD...
                                  CMD in a terminal (a pseudo-terminal: under Wine, a
                                  console); with ENTER, Enter is pressed when it asks
                                  for it. Prints prompt=yes|no rc=N; exit 3 on a hang
  interrupt STEP SECONDS ERR CMD...
                                  CMD with TONGHOP_TEST_PAUSE_AT=STEP, standard input
                                  /dev/null; once it says it paused there, SIGINT (under
                                  Wine, Ctrl-C: Wine hands a SIGINT to the process's
                                  console control handlers as CTRL_C_EVENT). Its standard
                                  error in ERR. Prints paused=yes|no rc=N|hung; exit 3
                                  when it never paused or hung

What legitimately differs between the two sides, and only that, is taken out:
- report.json's versions[].first_seen / last_seen: the archive's wall clock (the day
  each file was first and last seen, src/archive/versions.rs, src/archive/mod.rs `now`),
  not TONGHOP_TODAY: the two runs are seconds apart, the same day but at midnight.
  versions[].file_time is kept: the check copies the inputs with their times, so it is
  the same on both sides unless Windows' conversion of a file's time differs.
- in the archive, the same clock (run.started_at, version.first_seen/last_seen) and the
  absolute folders (run.inbox, run.out), compared with each side's root taken out.
"""
import hashlib
import os
import pathlib
import re
import sqlite3
import sys
import time
import zipfile

WALL_CLOCK_JSON = re.compile(rb'"(first_seen|last_seen)":"\d{4}-\d{2}-\d{2}"')
WALL_CLOCK_COLUMNS = {"started_at", "first_seen", "last_seen"}


def skipped(rel, skips):
    return any(rel == s or rel.startswith(s + "/") for s in skips)


def walk(root, skips=()):
    root = pathlib.Path(root)
    out = []
    for p in root.rglob("*"):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and not skipped(rel, skips):
            out.append(rel)
    return sorted(out)


def opts(argv):
    pos, skips = [], []
    it = iter(argv)
    for a in it:
        if a == "--skip":
            skips.append(next(it))
        else:
            pos.append(a)
    return pos, skips


def cmd_files(argv):
    (root,), skips = opts(argv)
    for rel in walk(root, skips):
        print(rel)


def cmd_hashes(argv):
    (root,) = argv
    for rel in walk(root):
        data = (pathlib.Path(root) / rel).read_bytes()
        print(hashlib.sha256(data).hexdigest(), rel)


def cmd_reports(argv):
    (a, b), skips = opts(argv)
    reports = [r for r in walk(a, skips) if r.endswith("report.json")]
    bad = 0
    for rel in reports:
        x = (pathlib.Path(a) / rel).read_bytes()
        y = (pathlib.Path(b) / rel).read_bytes() if (pathlib.Path(b) / rel).is_file() else b""
        x2, nx = WALL_CLOCK_JSON.subn(rb'"\1":""', x)
        y2, ny = WALL_CLOCK_JSON.subn(rb'"\1":""', y)
        if x2 == y2:
            extra = f", {nx} wall-clock days blanked" if nx else ""
            print(f"  {rel}: byte-identical ({len(x)} bytes{extra})")
            continue
        bad += 1
        at = next((i for i, (p, q) in enumerate(zip(x2, y2)) if p != q), min(len(x2), len(y2)))
        print(f"  {rel}: DIFFERS ({len(x)} and {len(y)} bytes), first at byte {at}:")
        print(f"    Linux:   {x2[max(0, at - 120):at + 120]!r}")
        print(f"    Windows: {y2[max(0, at - 120):at + 120]!r}")
    if not reports:
        print("  no report.json found"); bad += 1
    sys.exit(1 if bad else 0)


def cmd_books(argv):
    (a, b), skips = opts(argv)
    a, b = pathlib.Path(a), pathlib.Path(b)
    bad = 0
    books = [r for r in walk(a, skips) if r.endswith(".xlsx")]
    for rel in books:
        za, zb = zipfile.ZipFile(a / rel), zipfile.ZipFile(b / rel)
        if za.namelist() != zb.namelist():
            print(f"  {rel}: different parts"); bad += 1; continue
        for name in za.namelist():
            if za.read(name) != zb.read(name):
                print(f"  {rel}: part {name} differs"); bad += 1
    print(f"  {len(books)} workbooks compared part by part, {bad} differences")
    sys.exit(1 if bad else 0)


def dump(db, root):
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = []
    for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
        cur = c.execute(f'SELECT * FROM "{t}"')
        cols = [d[0] for d in cur.description]
        for row in cur.fetchall():
            cells = []
            for k, v in zip(cols, row):
                if k in WALL_CLOCK_COLUMNS:
                    v = "<clock>"
                elif isinstance(v, str):
                    v = v.replace(root, "ROOT").replace("\\", "/")
                cells.append(f"{k}={v!r}")
            rows.append(f"{t} " + " ".join(cells))
    c.close()
    return sorted(rows)


def cmd_archive(argv):
    a, b, ra, rb = argv
    x, y = dump(a, ra), dump(b, rb)
    if x == y:
        print(f"  the archives hold the same {len(x)} rows (clock and root aside)")
        return
    only_x = [r for r in x if r not in set(y)][:3]
    only_y = [r for r in y if r not in set(x)][:3]
    print(f"  the archives differ ({len(x)} and {len(y)} rows); Linux only: {only_x}; Windows only: {only_y}")
    sys.exit(1)


def cmd_norm(argv):
    windows = "--windows" in argv
    argv = [a for a in argv if a != "--windows"]
    text = pathlib.Path(argv[0]).read_text(encoding="utf-8", errors="replace")
    for pair in argv[1:]:
        frm, to = pair.split("=", 1)
        text = text.replace(frm, to)
    if windows:
        text = text.replace("\\", "/").replace("tonghop.exe", "tonghop")
    sys.stdout.write(text)


def cmd_summary(argv):
    import json
    out_file, report_file, inbox, out, sep = argv
    text = pathlib.Path(out_file).read_text(encoding="utf-8")
    lines = text.splitlines()
    report = json.loads(pathlib.Path(report_file).read_text(encoding="utf-8"))
    subs = report["submissions"]
    returned = [s for s in subs if s["status"] == "rejected"]
    accepted = sum(s["status"] == "accepted" for s in subs)
    problems = []

    def want(cond, what):
        if not cond:
            problems.append(what)

    want(lines[:2] == [f"Thư mục bài nộp: {inbox}", f"Kết quả ghi vào: {out}"],
         f"the first lines name the inbox and the output folder: {lines[:2]}")
    want(f"Kết quả: {accepted} đã nhận, {len(returned)} trả lại," in text, "the counts")
    want(len(returned) > 0, "returned units (the samples have some)")
    want(f"Cần sửa và gửi lại ({len(returned)}):" in lines, "the returned units' heading")
    for s in returned:
        code, name = s["unit"], s["unit_name"]
        want(any(l.startswith(f"  {code} {name} (") for l in lines), f"unit {code} {name} named")
        want(f"{out}{sep}tra-lai{sep}{code}.xlsx" in lines, f"{code}'s returned file listed")
    want(f"Gửi trả mỗi đơn vị có lỗi tệp mang mã của đơn vị đó, trong thư mục: {out}{sep}tra-lai" in lines,
         "the folder to send back")
    want(lines[-1:] == [f"Bảng tổng hợp: {out}{sep}tong-hop.xlsx"], f"the workbook's full path last: {lines[-1:]}")
    want("Nhấn Enter" not in text, "no wait for Enter")
    if problems:
        print("  summary lacks: " + "; ".join(problems))
        sys.exit(1)
    print(f"  the summary names the {len(returned)} returned units ({', '.join(s['unit'] for s in returned)})")


def cmd_console(argv):
    import pty
    import select
    mode, limit, cmd = argv[0], float(argv[1]), argv[2:]
    prompt = "Nhấn Enter để đóng cửa sổ".encode()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    buf, sent, status, start = b"", False, None, time.time()
    while status is None:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                buf += os.read(fd, 65536)
            except OSError:
                pass
        if mode == "ENTER" and not sent and prompt in buf:
            time.sleep(0.5)
            os.write(fd, b"\r")
            sent = True
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(st)
        elif time.time() - start > limit:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            print(f"prompt={'yes' if prompt in buf else 'no'} rc=hung")
            sys.exit(3)
    print(f"prompt={'yes' if prompt in buf else 'no'} rc={status}")


def cmd_interrupt(argv):
    import signal
    import subprocess
    import threading
    step, limit, err, cmd = argv[0], float(argv[1]), argv[2], argv[3:]
    env = dict(os.environ, TONGHOP_TEST_PAUSE_AT=step)
    p = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    want = f"test pause at {step}".encode()
    lines, paused = [], threading.Event()

    def pump():
        for line in p.stderr:
            lines.append(line)
            if want in line:
                paused.set()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    was_paused = paused.wait(limit)
    if was_paused:
        p.send_signal(signal.SIGINT)
    try:
        rc = p.wait(limit) if was_paused else None
    except subprocess.TimeoutExpired:
        rc = None
    if rc is None:
        p.kill()
        p.wait()
    reader.join(5)
    pathlib.Path(err).write_bytes(b"".join(lines))
    print(f"paused={'yes' if was_paused else 'no'} rc={'hung' if rc is None else rc}")
    if rc is None:
        sys.exit(3)


if __name__ == "__main__":
    globals()["cmd_" + sys.argv[1]](sys.argv[2:])
