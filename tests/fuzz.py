# SPDX-License-Identifier: GPL-2.0
"""Fuzz the generator with mutated copies of the shipped specs and of the
bad-spec corpus, and hold it to its promise.

    /usr/bin/python3 tests/fuzz.py [--cases N] [--seed S] [--jobs J]
                                   [--checkpatch K|all] [--compile K|all]

Each case is one spec, mutated at the byte, line or value level by a
``random.Random`` seeded from the campaign seed and the case number (so a
case can be replayed with ``--only N``).  It is generated in a forked
process into an output tree that already holds a previous generation, and
the run must end in one of two ways:

- rejected: exit 2, one line ``path:line:col: error: ...`` whose line and
  column lie inside the file, nothing on stdout, and the output tree exactly
  as it was (same files, bytes and times, no temporary tree left beside it);
- accepted: exit 0 and the output tree exactly what the specs produce, whose
  header and KUnit file pass the checks below.

Counted against it: tracebacks (an exception escaping, a crash, or any other
exit status), hangs (over 10 s of CPU, or 60 s of wall clock), half-written trees (an output tree changed
by a rejected run, or left other than all-old or all-new by a run that was
interrupted on purpose at a random point of its write), and accepted specs
whose output fails the style checks: in every case a line check in Python
(100 columns, no trailing white space, no control, bidi or trigraph
character, comments that close, preprocessor lines only where the
templates put them); for a sample of distinct headers, the 6.12 tree's
checkpatch.pl --strict and kernel-doc -Wall (scripts/style.sh); and for a
sample derived from the shipped specs, a kbuild compile of the header.
Both samples are every distinct accepted header unless --checkpatch or
--compile cut them (the last 10,000-case campaigns had a few hundred).
"""

import argparse
import contextlib
import glob
import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from generator import render  # noqa: E402
from generator.__main__ import main  # noqa: E402

HANG_SECONDS = 10          # CPU seconds of one case
WALL_SECONDS = 60          # and wall-clock seconds, on a busy machine

# -- the seeds -----------------------------------------------------------------


def _bad_names():
    return tuple(os.path.basename(p) for p in glob.glob(
        os.path.join(TESTS, "bad_specs", "*.yaml"))
        if not os.path.basename(p).startswith("_"))


_BAD_PREFIXES = _bad_names()


def bases():
    """(name, bytes) of every spec the mutations start from."""
    paths = sorted(glob.glob(os.path.join(ROOT, "specs", "*.yaml")))
    paths += sorted(glob.glob(os.path.join(TESTS, "bad_specs", "*.yaml")))
    out = []
    for p in paths:
        with open(p, "rb") as f:
            out.append((os.path.basename(p), f.read()))
    return out


# Fragments that broke the generator once, or might.
NASTY = [
    "\x00", "\x1b[2J", "\x7f", "\ufffe", "\u2028", "\u2029", "\u0085",
    "\u202e", "\u2066", "\u200b", "\ufeff", "\t", "\r", "\r\n", "\n", "\\\n",
    "??=", "??/", "??!", "*/", "/*", "//", "#endif", "#include <x.h>",
    "\"", "'", "\\", "${body}", "${raw}", "$$", "$x", "${nope}", "${",
    ";", "}", "{", ")", "(", "]", "[", ",", "%s", "&a ", "*a", "<<: ",
    "- ", ": ", "? ", "!!python/object:os.system ", "!!binary ", "&x [*x]",
    "\xe9", "\U0001f600", "n", "free", "release", "h", "ret", "body",
    "x" * 250, "9" * 5000, "[" * 500, "{" * 200, "- " * 300,
    "../../../etc/passwd.h", "/abs.h", "linux/../x.h", "a b", "A",
    "__x", "x__y", "x_", "0x", "1e999", "-", "~", "null", "yes", "EIO\n",
]

IDENT_KEYS = ("name", "prefix", "holds", "dimension", "from", "to", "at")


def _mutate_text(rng, text):
    """One text-level mutation."""
    lines = text.split("\n")
    kind = rng.choice(["insert", "insert", "replace_value", "replace_value",
                       "delete_span", "dup_line", "swap_lines", "indent",
                       "alias_bomb", "deep", "long_name", "many_states",
                       "rename_ident", "break_line"])
    if kind == "insert":
        at = rng.randrange(len(text) + 1)
        return text[:at] + rng.choice(NASTY) + text[at:]
    if kind == "replace_value":
        cands = [i for i, l in enumerate(lines) if re.search(r": \S", l)]
        if not cands:
            return text
        i = rng.choice(cands)
        head, _, _ = lines[i].partition(": ")
        val = rng.choice(NASTY + ['"' + rng.choice(NASTY).replace(
            "\\", "\\\\").replace('"', '\\"') + '"',
            "'" + rng.choice(NASTY).replace("'", "''") + "'",
            '"\\e"', '"\\u202e"', '"\\0"', '"\\L"', '"a\\nb"', "|\n  x",
            "[]", "{}", "~", "0", "-1", "3.5", "true"])
        lines[i] = head + ": " + val
        return "\n".join(lines)
    if kind == "delete_span":
        at = rng.randrange(len(text) + 1)
        return text[:at] + text[at + rng.randint(1, 40):]
    if kind == "dup_line":
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
        return "\n".join(lines)
    if kind == "swap_lines":
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        return "\n".join(lines)
    if kind == "indent":
        i = rng.randrange(len(lines))
        lines[i] = rng.choice([" ", "  ", "\t", ""]) + lines[i].lstrip(
            " " if rng.random() < 0.5 else "")
        return "\n".join(lines)
    if kind == "alias_bomb":
        bomb = "x0: &a0 [w, w, w, w, w, w, w, w, w, w]\n" + "".join(
            f"x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n"
            for i in range(1, 8))
        return bomb + text
    if kind == "deep":
        i = rng.randrange(len(lines))
        depth = rng.choice([20, 40, 500, 3000])
        closing = "]" * depth if rng.random() < 0.7 else "}"
        lines[i] = lines[i] + " " + "[" * depth + closing
        return "\n".join(lines)
    if kind == "long_name":
        cands = [i for i, l in enumerate(lines)
                 if re.match(r"\s*-?\s*(name|prefix): \w+\s*$", l)]
        if not cands:
            return text
        i = rng.choice(cands)
        head, _, _ = lines[i].partition(": ")
        lines[i] = head + ": " + "w" * rng.choice([33, 40, 60, 250, 5000])
        return "\n".join(lines)
    if kind == "many_states":
        m = re.search(r"\n(\s+)values:\n", text)
        if not m:
            return text
        ind = m.group(1) + "  "
        extra = "".join(f"{ind}- {{name: v{i}, doc: value {i}}}\n"
                        for i in range(rng.choice([10, 40, 300])))
        return text[:m.end()] + extra + text[m.end():]
    if kind == "rename_ident":
        words = sorted(set(re.findall(r"\b[a-z][a-z0-9_]{2,}\b", text)))
        if not words:
            return text
        old = rng.choice(words)
        new = rng.choice(["free", "release", "n", "h", "ret", "assign",
                          "ctor", "gen_cov", old + "_", old + "__x",
                          old.upper(), old + "\n", "x" * 40])
        count = rng.choice([1, 0])    # one occurrence, or all
        return re.sub(rf"\b{re.escape(old)}\b", lambda _: new, text,
                      count=count)
    # break_line: split a line in the middle
    i = rng.randrange(len(lines))
    if lines[i]:
        at = rng.randrange(len(lines[i]))
        lines[i] = lines[i][:at] + "\n" + lines[i][at:]
    return "\n".join(lines)


def _walk(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, path + (i,))


def _mutate_data(rng, text):
    """Change one to three values of the parsed spec and dump it again:
    the result is valid YAML, so it gets past the loader more often."""
    import yaml
    if re.search(r"[&*][a-z]", text) or len(text) > 100_000:
        return _mutate_text(rng, text)       # aliases: expanded, too big
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, ValueError):
        return _mutate_text(rng, text)
    if not isinstance(data, dict):
        return _mutate_text(rng, text)
    words = sorted({v for _, v in _walk(data) if isinstance(v, str)
                    and re.fullmatch(r"[a-z][a-z0-9_]*", v)})
    for _ in range(rng.randint(1, 3)):
        nodes = [(p, v) for p, v in _walk(data) if p and
                 not isinstance(v, (dict, list))]
        if not nodes:
            break
        path, old = rng.choice(nodes)
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        kind = rng.random()
        if kind < 0.3 and words:
            new = rng.choice(words + ["free", "release", "n", "h", "assign",
                                      "ctor", "gen_cov", "o", "p"])
        elif kind < 0.6 and isinstance(old, str):
            at = rng.randrange(len(old) + 1)
            new = old[:at] + rng.choice(NASTY) + old[at:]
        elif kind < 0.7:
            new = rng.choice([0, -1, 2**70, True, None, 3.5, [], {}])
        elif kind < 0.8 and words:
            new = rng.choice(words) + "_" + rng.choice(words)
        else:
            new = rng.choice(NASTY)
        parent[path[-1]] = new
    return yaml.safe_dump(data, sort_keys=False, width=rng.choice(
        [80, 1000]), allow_unicode=rng.random() < 0.5)


def make_case(seed, number, base_list=None):
    """(base name, spec bytes) of case ``number`` of campaign ``seed``."""
    rng = random.Random(f"{seed}:{number}")
    base_list = base_list or bases()
    good = [b for b in base_list if not b[0].startswith(_BAD_PREFIXES)]
    # Valid specs more often: most of their mutations are still valid, so
    # the output checks get exercised.
    name, raw = rng.choice(good if rng.random() < 0.6 else base_list)
    text = raw.decode("utf-8", "replace")
    if rng.random() < 0.4:
        text = _mutate_data(rng, text)
    else:
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            text = _mutate_text(rng, text)
    data = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.03:                    # invalid UTF-8
        at = rng.randrange(len(data) + 1)
        data = data[:at] + rng.choice([b"\xff", b"\xe9", b"\xc3", b"\xed\xa0\x80"]) + data[at:]
    return name, data


# -- the checks ----------------------------------------------------------------

_BAD_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f"
                        "\u2028-\u202e\u2060-\u206f\ufeff\ufffe\uffff]")
_TRIGRAPH = re.compile(r"\?\?[=/'()!<>-]")
_DIRECTIVE = re.compile(r"#(ifndef _LINUX_TYPESTATE_\w+_H|define \w+( |\(|$)"
                        r"|endif /\* _LINUX_TYPESTATE_\w+_H \*/|"
                        r"include [<\"][a-z0-9_][a-z0-9_./-]*\.h[>\"])")


def style_lite(text):
    """Problems checkpatch or gcc would find in generated C that can be
    seen line by line: the first one, or None."""
    in_comment = False
    continued = False
    for n, line in enumerate(text.split("\n"), 1):
        if render._cols(line) > 100:
            return f"line {n}: over 100 columns"
        if line.rstrip(" \t") != line:
            return f"line {n}: trailing white space"
        if _BAD_CHARS.search(line):
            return f"line {n}: control or invisible character"
        if _TRIGRAPH.search(line):
            return f"line {n}: trigraph"
        if not in_comment and not continued and line.startswith("#") and \
                not _DIRECTIVE.match(line):
            return f"line {n}: unexpected preprocessor line {line[:40]!r}"
        # comments, outside strings
        i = 0
        while i < len(line):
            if in_comment:
                end = line.find("*/", i)
                if end < 0:
                    if "/*" in line[i:]:
                        return f"line {n}: '/*' inside a comment"
                    break
                if "/*" in line[i:end]:
                    return f"line {n}: '/*' inside a comment"
                in_comment = False
                i = end + 2
                continue
            ch = line[i]
            if ch in "\"'":
                j = i + 1
                while j < len(line) and line[j] != ch:
                    j += 2 if line[j] == "\\" else 1
                if j >= len(line):
                    return f"line {n}: unterminated {ch} literal"
                i = j + 1
                continue
            if line.startswith("//", i):
                break
            if line.startswith("/*", i):
                in_comment = True
                i += 2
                continue
            i += 1
        continued = line.endswith("\\")
    if in_comment:
        return "the file ends inside a comment"
    return None


def _snapshot(d):
    out = {}
    for dirpath, _, names in os.walk(d):
        for name in names:
            p = os.path.join(dirpath, name)
            st = os.stat(p)
            with open(p, "rb") as f:
                out[os.path.relpath(p, d)] = (f.read(), st.st_mtime_ns,
                                              st.st_ino)
    return out


def _leftovers(out):
    parent = os.path.dirname(out)
    base = os.path.basename(out)
    return [n for n in os.listdir(parent) if n.startswith(f".{base}.")]


def _run(argv):
    """main() in-process: (rc, stdout, stderr, traceback or None)."""
    o, e = io.StringIO(), io.StringIO()
    exc = None
    with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e):
        try:
            rc = main(list(argv))
        except SystemExit as x:
            rc = x.code
        except BaseException:            # noqa: BLE001 - counted
            rc = None
            exc = traceback.format_exc()
    return rc, o.getvalue(), e.getvalue(), exc


class Interrupt(BaseException):
    pass


def _interrupted_write(files, out, rng):
    """Write ``files`` into ``out`` with a KeyboardInterrupt at a random
    point of render.write(); the tree must then be all old or all new."""
    before = _snapshot(out)
    calls = [0]
    stop = rng.randint(1, max(1, len(files) + 2))
    real_open, real_link, real_exchange = (
        render.__dict__.get("open", open), render.os.link, render._exchange)

    def tick():
        calls[0] += 1
        if calls[0] == stop:
            raise KeyboardInterrupt

    def fake_open(*a, **k):
        tick()
        return real_open(*a, **k)

    def fake_link(*a, **k):
        tick()
        return real_link(*a, **k)

    def fake_exchange(a, b):
        tick()
        return real_exchange(a, b)

    render.open = fake_open
    render.os.link = fake_link
    render._exchange = fake_exchange
    try:
        render.write(files, out)
        interrupted = False
    except KeyboardInterrupt:
        interrupted = True
    finally:
        del render.open
        render.os.link = real_link
        render._exchange = real_exchange
    after = _snapshot(out)
    contents = {k: v[0] for k, v in after.items()}
    if contents == {k: v.encode() for k, v in files.items()}:
        return None if not _leftovers(out) else "temporary tree left behind"
    if interrupted and after == before and not _leftovers(out):
        return None
    return "tree neither old nor new after an interrupted write"


def run_case(path, workdir, baseline, rng=None):
    """Run one spec; return a dict describing the outcome."""
    out = os.path.join(workdir, "out", "generated")
    if os.path.exists(os.path.dirname(out)):
        shutil.rmtree(os.path.dirname(out))
    shutil.copytree(baseline, out, copy_function=os.link)
    before = _snapshot(out)
    rc, stdout, stderr, exc = _run(["--out", out, "gen", path])
    res = {"rc": rc, "err": stderr[:500]}
    if exc is not None or rc not in (0, 2) or "Traceback" in stderr:
        res["class"] = "traceback"
        res["detail"] = (exc or stderr)[-2000:]
        return res
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    if rc == 2:
        res["class"] = "rejected"
        lines = stderr.split("\n")
        if lines[-1] == "":
            lines.pop()
        m = re.match(re.escape(path) + r":(\d+):(\d+): error: .+$",
                     lines[0]) if len(lines) == 1 else None
        if not m or stdout:
            res["class"] = "bad_error"
            res["detail"] = stderr[:500]
        else:
            line, col = int(m.group(1)), int(m.group(2))
            flines = text.split("\n")
            if not (1 <= line <= len(flines) and
                    1 <= col <= len(flines[line - 1]) + 1):
                res["class"] = "bad_error"
                res["detail"] = f"position {line}:{col} outside the file"
        if _snapshot(out) != before or _leftovers(out):
            res["class"] = "half_written"
            res["detail"] = "a rejected spec changed the output tree"
        return res
    # accepted
    res["class"] = "accepted"
    files = {}
    for rel, (data, _, _) in _snapshot(out).items():
        files[rel] = data.decode("utf-8")
    if _leftovers(out):
        res["class"] = "half_written"
        res["detail"] = "temporary tree left beside the output"
        return res
    headers = [r for r in files if r.startswith("include/")]
    kunit_c = [r for r in files if r.startswith("kunit/") and r.endswith(".c")]
    for rel in headers + kunit_c:
        problem = style_lite(files[rel])
        if problem:
            res["class"] = "style"
            res["detail"] = f"{rel}: {problem}"
            return res
    res["headers"] = {r: files[r] for r in headers}
    res["spec"] = text
    res["kunit"] = {r: files[r] for r in kunit_c}
    if rng is not None and rng.random() < 0.15:
        # Interrupt a regeneration from the baseline at a random point.
        shutil.rmtree(out)
        shutil.copytree(baseline, out)
        why = _interrupted_write(
            {k: v for k, v in files.items()}, out, rng)
        if why:
            res["class"] = "half_written"
            res["detail"] = why
    return res


# -- the campaign -----------------------------------------------------------------

def _child(seed, number, base_list, workdir, baseline, wfd):
    try:
        try:
            import resource
            resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
            # A hang is 10 s of CPU, so that a busy machine does not make
            # one (the parent also stops a case after WALL_SECONDS).
            resource.setrlimit(resource.RLIMIT_CPU,
                               (HANG_SECONDS, HANG_SECONDS + 1))
        except (ImportError, ValueError, OSError):
            pass
        name = None
        try:
            name, data = make_case(seed, number, base_list)
            d = os.path.join(workdir, f"c{number}")
            os.makedirs(d)
            path = os.path.join(d, name)
            with open(path, "wb") as f:
                f.write(data)
            rng = random.Random(f"{seed}:{number}:write")
            res = run_case(path, d, baseline, rng)
        except BaseException:             # noqa: BLE001 - a harness bug
            res = {"class": "harness", "detail": traceback.format_exc()}
        res["base"] = name
        res["case"] = number
        with os.fdopen(wfd, "w") as f:
            json.dump(res, f)
    finally:
        os._exit(0)


def campaign(cases, seed, jobs, log):
    base_list = bases()
    work = tempfile.mkdtemp(prefix="typestate-fuzz.")
    baseline = os.path.join(work, "baseline")
    rc, _, err, exc = _run(["--out", baseline, "gen", os.path.join(
        TESTS, "bad_specs", "_valid_kunit.yaml")])
    assert rc == 0 and exc is None, err
    counts = {}
    examples = {}
    headers = {}
    running = {}
    nxt = 0
    done = 0
    t0 = time.time()
    try:
        while done < cases:
            while nxt < cases and len(running) < jobs:
                r, w = os.pipe()
                pid = os.fork()
                if pid == 0:
                    os.close(r)
                    _child(seed, nxt, base_list, work, baseline, w)
                os.close(w)
                running[pid] = (nxt, r, time.time())
                nxt += 1
            time.sleep(0.002)
            for pid, (number, r, start) in list(running.items()):
                wpid, status = os.waitpid(pid, os.WNOHANG)
                if wpid == 0:
                    if time.time() - start > WALL_SECONDS:
                        os.kill(pid, signal.SIGKILL)
                        os.waitpid(pid, 0)
                        os.close(r)
                        res = {"class": "hang", "case": number,
                               "detail": f"over {HANG_SECONDS} s"}
                    else:
                        continue
                else:
                    with os.fdopen(r) as f:
                        raw = f.read()
                    try:
                        res = json.loads(raw)
                    except ValueError:
                        if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (
                                signal.SIGXCPU, signal.SIGKILL):
                            res = {"class": "hang", "case": number,
                                   "detail": f"over {HANG_SECONDS} s of CPU"}
                        else:
                            res = {"class": "traceback", "case": number,
                                   "detail": f"child died (status {status})"}
                del running[pid]
                shutil.rmtree(os.path.join(work, f"c{number}"),
                              ignore_errors=True)
                done += 1
                cls = res["class"]
                counts[cls] = counts.get(cls, 0) + 1
                if cls not in ("accepted", "rejected"):
                    examples.setdefault(cls, []).append(res)
                    print(f"case {number} ({res.get('base')}): {cls}: "
                          f"{res.get('detail', '')[:400]}", file=log)
                for rel, text in res.get("headers", {}).items():
                    h = hashlib.sha1(text.encode()).hexdigest()
                    headers.setdefault(h, (res.get("base"), rel, text,
                                           res.get("kunit", {}),
                                           res.get("spec", "")))
                if done % 1000 == 0:
                    print(f"  {done} cases, {time.time() - t0:.0f} s",
                          file=sys.stderr)
    finally:
        for pid in running:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    return counts, examples, headers, time.time() - t0, work


def checkpatch_sample(headers, limit, work):
    """scripts/style.sh (checkpatch --strict, kernel-doc -Wall) on up to
    ``limit`` distinct accepted headers and their KUnit files."""
    if limit == 0 or not headers:
        return 0, []
    keys = sorted(headers)[:limit] if limit > 0 else sorted(headers)
    d = os.path.join(work, "style")
    os.makedirs(d, exist_ok=True)
    paths = []
    for i, k in enumerate(keys):
        _, rel, text, kunit, _ = headers[k]
        p = os.path.join(d, f"{i}_{os.path.basename(rel)}")
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
        paths.append(p)
        for krel, ktext in kunit.items():
            p = os.path.join(d, f"{i}_{os.path.basename(krel)}")
            with open(p, "w", encoding="utf-8") as f:
                f.write(ktext)
            paths.append(p)
    bad = []
    for p in paths:
        r = subprocess.run([os.path.join(ROOT, "scripts", "style.sh"), p],
                           capture_output=True, text=True, check=False)
        if r.returncode:
            bad.append(f"{p}: {r.stderr.strip()[:600]}")
    return len(keys), bad


def compile_sample(headers, limit, work, jobs=1):
    """Build up to ``limit`` distinct accepted headers derived from the
    shipped specs (whose C calls real kernel functions) with kbuild,
    x86_64 allmodconfig, CONFIG_WERROR=y.  Returns (tried, failures)."""
    shipped = {os.path.basename(p) for p in
               glob.glob(os.path.join(ROOT, "specs", "*.yaml"))}
    keys = [k for k in sorted(headers) if headers[k][0] in shipped]
    keys = keys[:limit] if limit >= 0 else keys
    if limit == 0 or not keys:
        return 0, [], []
    src = subprocess.run([os.path.join(ROOT, "scripts", "kernel-tree.sh"),
                          "src"], capture_output=True, text=True,
                         check=True).stdout.strip()
    build = subprocess.run([os.path.join(ROOT, "scripts",
                                         "kernel-build.sh")],
                           capture_output=True, text=True,
                           check=True).stdout.strip()
    mod = os.path.join(work, "kbuild")
    os.makedirs(mod, exist_ok=True)
    objs = []
    for i, k in enumerate(keys):
        _, rel, text, _, _ = headers[k]
        with open(os.path.join(mod, f"h{i}.h"), "w", encoding="utf-8") as f:
            f.write(text)
        with open(os.path.join(mod, f"c{i}.c"), "w", encoding="utf-8") as f:
            f.write(f'// SPDX-License-Identifier: GPL-2.0\n#include "h{i}.h"\n')
        objs.append(f"c{i}.o")
    with open(os.path.join(mod, "Kbuild"), "w", encoding="utf-8") as f:
        f.write("obj-m += " + " ".join(objs) + "\n")
    subprocess.run(["make", "-s", "-k", f"-j{jobs}", "-C",
                    src, f"O={build}", f"M={mod}"] + objs,
                   capture_output=True, text=True, check=False)
    bad, spec_c = [], []
    for i, o in enumerate(objs):
        if not os.path.exists(os.path.join(mod, o)):
            r = subprocess.run(["make", "-s", "-C", src, f"O={build}",
                                f"M={mod}", o], capture_output=True,
                               text=True, check=False)
            out = r.stdout + r.stderr
            what = f"{headers[keys[i]][0]} -> {o}: " + out.strip()[-800:]
            m = re.search(rf"h{i}\.h:(\d+):\d+: error:", out)
            text, spec = headers[keys[i]][2], headers[keys[i]][4]
            line = text.split("\n")[int(m.group(1)) - 1] if m else ""
            (spec_c if _from_spec(line, spec) else bad).append(what)
    return len(keys), bad, spec_c


def _from_spec(line, spec):
    """Whether a header line is C the spec wrote (its words appear in that
    order on one line of the spec), not C the templates wrote."""
    words = [w for w in re.findall(r"\w+", line) if w != "body"]
    if len(words) < 2:
        return False
    want = " ".join(words)
    for sl in spec.replace("${body}", " ").replace("${raw}", " ").split("\n"):
        have = " ".join(w for w in re.findall(r"\w+", sl) if w != "body")
        if want in have:
            return True
    return False


def _count(text):
    return -1 if text == "all" else int(text)


def main_cli(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--checkpatch", type=_count, default=-1,
                    help="distinct accepted headers to run checkpatch on "
                    "(default: all of them)")
    ap.add_argument("--compile", type=_count, default=-1,
                    help="distinct accepted headers from the shipped specs "
                    "to build with kbuild (default: all of them)")
    ap.add_argument("--only", type=int, default=None,
                    help="run case N alone and print the spec and result")
    args = ap.parse_args(argv)
    if args.only is not None:
        name, data = make_case(args.seed, args.only)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, name)
            with open(path, "wb") as f:
                f.write(data)
            base = os.path.join(d, "baseline")
            _run(["--out", base, "gen", os.path.join(
                TESTS, "bad_specs", "_valid_kunit.yaml")])
            res = run_case(path, d, base, random.Random(args.only))
            res.pop("headers", None)
            res.pop("kunit", None)
            sys.stdout.write(data.decode("utf-8", "replace"))
            print(json.dumps(res, indent=1))
        return 0
    print(f"fuzz: {args.cases} cases, seed {args.seed}, {args.jobs} jobs",
          file=sys.stderr)
    counts, examples, headers, secs, work = campaign(
        args.cases, args.seed, args.jobs, sys.stderr)
    t_samples = time.time()
    try:
        n_style, style_bad = checkpatch_sample(headers, args.checkpatch,
                                               work)
        try:
            n_cc, cc_bad, cc_spec = compile_sample(headers, args.compile,
                                                   work, args.jobs)
        except (OSError, subprocess.CalledProcessError) as e:
            n_cc, cc_bad, cc_spec = 0, [f"kbuild sample not run: {e}"], []
        for line in style_bad + cc_bad:
            print(line, file=sys.stderr)
        for line in cc_spec:
            print("(in C the spec wrote) " + line, file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    style_fail = counts.get("style", 0) + len(style_bad)
    t_samples = time.time() - t_samples
    print(f"fuzz: {args.cases} cases in {secs:.0f} s (seed {args.seed}): "
          f"{counts.get('accepted', 0)} accepted, "
          f"{counts.get('rejected', 0)} rejected with one located error")
    print(f"  tracebacks:                   {counts.get('traceback', 0)}")
    print(f"  hangs (> {HANG_SECONDS} s):              "
          f"{counts.get('hang', 0)}")
    print(f"  half-written trees:           {counts.get('half_written', 0)}")
    print(f"  errors not one located line:  {counts.get('bad_error', 0)}")
    print(f"  accepted, output fails style: {style_fail} (line checks on "
          f"all {counts.get('accepted', 0)}; checkpatch --strict and "
          f"kernel-doc on {n_style} distinct headers)")
    print(f"  accepted, header fails kbuild: {len(cc_bad)} of {n_cc} "
          "distinct headers from the shipped specs (and "
          f"{len(cc_spec)} more whose first error is in C the mutated "
          "spec wrote, which the generator does not compile)")
    print(f"  ({len(headers)} distinct accepted headers; the checkpatch "
          f"and kbuild samples took {t_samples:.0f} s)")
    if counts.get("harness"):
        print(f"  harness errors (bugs in tests/fuzz.py): {counts['harness']}")
    bad = sum(counts.get(k, 0) for k in ("traceback", "hang", "harness",
                                          "half_written", "bad_error"))
    return 1 if bad or style_fail or cc_bad else 0


if __name__ == "__main__":
    sys.exit(main_cli())
