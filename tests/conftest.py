# SPDX-License-Identifier: GPL-2.0
"""Shared helpers for the generator's own tests.

The generator runs in-process through generator.__main__.main(), which is
what `python3 -m generator` calls; a few tests also run the real command
line to make sure the two agree.
"""

import contextlib
import io
import os
import re
import subprocess
import sys
import traceback

import pytest

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
CORPUS = os.path.join(TESTS, "bad_specs")
MINIMAL = os.path.join(CORPUS, "_valid_minimal.yaml")
KUNIT = os.path.join(CORPUS, "_valid_kunit.yaml")

if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from generator.__main__ import main  # noqa: E402

# Hypothesis keeps a cache (unicode tables) in ./.hypothesis by default; keep
# it out of the repository, next to the project's other caches.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    from hypothesis.configuration import set_hypothesis_home_dir
    set_hypothesis_home_dir(os.path.join(
        os.environ.get("TYPESTATE_CACHE",
                       os.path.expanduser("~/.cache/typestate-gen")),
        "hypothesis"))


class Result:
    def __init__(self, rc, out, err, exc=None):
        self.rc = rc
        self.out = out
        self.err = err
        self.exc = exc            # formatted traceback of an escaped exception

    @property
    def err_lines(self):
        # Lines as a terminal or an editor's error parser sees them: split
        # on '\n' only (str.splitlines() also splits on \x1c-\x1e, \x85...).
        return self.err.split("\n")[:-1] if self.err.endswith("\n") \
            else self.err.split("\n") if self.err else []


def run_gen(argv):
    """Run the generator in-process; never raises.

    An exception escaping main() is what the command line would print as a
    Python traceback, so it is returned (formatted) rather than raised.
    """
    out, err = io.StringIO(), io.StringIO()
    exc = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(list(argv))
        except SystemExit as e:           # argparse
            rc = e.code
        except Exception:                 # noqa: BLE001 - the point of the test
            rc = None
            exc = traceback.format_exc()
    return Result(rc, out.getvalue(), err.getvalue(), exc)


def run_cli(argv, cwd=ROOT):
    """Run `python3 -m generator ARGV` as a separate process."""
    p = subprocess.run([sys.executable, "-m", "generator"] + list(argv),
                       cwd=cwd, capture_output=True, text=True, timeout=120)
    return Result(p.returncode, p.stdout, p.stderr)


def error_re(path):
    """The one line a bad spec must produce: ``path:LINE:COL: error: MSG``."""
    return re.compile(rf"^{re.escape(str(path))}:(\d+):(\d+): error: (.+)$")


def files_under(d):
    out = []
    for dirpath, _, names in os.walk(d):
        out.extend(os.path.relpath(os.path.join(dirpath, n), d) for n in names)
    return sorted(out)


def assert_no_traceback(res):
    if res.exc is not None:
        pytest.fail("Python traceback instead of a spec error:\n" + res.exc)
    assert "Traceback (most recent call last)" not in res.err, res.err


EXPECT_MARK = re.compile(r"/\* expect: (.*) \*/")


def expected_marks(path):
    """{line: words} of a fixture's ``/* expect: words */`` comments: the
    lines a report must name, and words its message must contain."""
    want = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = EXPECT_MARK.search(line)
            if m:
                want[n] = m.group(1)
    return want


def reports_by_line(path, stdout, skip=None):
    """{line: message} of spatch's report-mode lines for ``path``
    ("path:line:col-col: message"); any other output line, or two reports
    on one line, fails the test.  ``skip`` (a prefix) drops messages that
    start with it."""
    got = {}
    for line in stdout.splitlines():
        m = re.match(re.escape(path) + r":(\d+):\d+-\d+: (.*)$", line)
        assert m, f"unexpected output: {line}"
        if skip and m.group(2).startswith(skip):
            continue
        assert int(m.group(1)) not in got, f"two reports on one line: {line}"
        got[int(m.group(1))] = m.group(2)
    return got


def assert_marked_reports(path, stdout, skip=None):
    """The reports are exactly on the marked lines, each containing its
    marked words; the {line: message} found is returned."""
    want = expected_marks(path)
    got = reports_by_line(path, stdout, skip)
    assert sorted(got) == sorted(want), stdout
    for n, words in want.items():
        assert words in got[n], (n, got[n])
    return got
