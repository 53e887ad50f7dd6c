# SPDX-License-Identifier: GPL-2.0
"""Run a long command and say what it is doing at least every 20 s.

run(cmd, label) runs ``cmd`` with its output (stdout and stderr together)
read line by line: echoed as it comes when ``echo`` is set, and returned.
Whenever 20 s pass without a line, it prints "  ... LABEL: PHASE, N s",
PHASE being the command's last line (kunit.py's "Building KUnit Kernel
...", say), so that `make test` never goes quiet for long.  The interval
is $PROGRESS_BEAT seconds when set.
"""

import os
import subprocess
import sys
import threading
import time

BEAT = float(os.environ.get("PROGRESS_BEAT", "20"))


def run(cmd, label, echo=True, phase=None, **kw):
    """(exit status, output) of ``cmd``; ``phase(line)`` may turn a line
    into the heartbeat's description (None: keep the previous one)."""
    sys.stdout.flush()          # what the caller printed comes first
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            errors="replace", **kw)
    lines = []
    # "last": when a line was last printed, echoed or heartbeat.  A
    # command that is not echoed may well write all the time (kbuild's
    # diagnostics of the must-fail cases): that is not a sign of life the
    # user sees.
    state = {"last": t0, "what": ""}

    def reader():
        for line in proc.stdout:
            lines.append(line)
            # A line not echoed is no description (kbuild's errors of the
            # must-fail cases): the label says what runs.
            what = phase(line) if phase else line.strip() if echo else None
            if what:
                state["what"] = what[:100]
            if echo:
                state["last"] = time.monotonic()
                sys.stdout.write(line)
                sys.stdout.flush()

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    while True:
        try:
            proc.wait(timeout=min(1.0, BEAT))
            break
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        if now - state["last"] >= BEAT:
            what = f"{state['what']}, " if state["what"] else ""
            print(f"  ... {label}: {what}{now - t0:.0f} s", flush=True)
            state["last"] = now
    th.join()
    return proc.returncode, "".join(lines)
