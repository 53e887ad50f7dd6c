# SPDX-License-Identifier: GPL-2.0
"""Build every generated compile case with kbuild and check its verdict.

    compile_suite.py SRC BUILD [SPEC...] [--extra SPEC.yaml ...]

SRC is a 6.12 source tree, BUILD an x86_64 allmodconfig build directory
that has been through `make prepare` (scripts/kernel-tree.sh and
scripts/kernel-build.sh set both up; both are shared by every checkout and
only read here).  The cases of each spec, generated/compile/<spec>/, are
built as an external module directory of this checkout's own (in its cache
directory, scripts/kernel-tree.sh checkout) with the flags real kernel code
gets; the generated headers are found in this checkout's include
directory, passed to kbuild with -I as an external module passes its own.
A must-pass case builds with CONFIG_WERROR=y and must produce its object; a
must-fail case builds without CONFIG_WERROR (only the -Werror= flags every
6.12 build has, such as -Werror=incompatible-pointer-types) and must not,
and its diagnostics must contain every
expected string (naming the state type and the macro), so that a failure
for any other reason is not counted as a rejection.

--extra renders a spec from outside specs/ (tests/style_specs/
clk_long_names.yaml, the clk model the spec errors point at) into a
temporary directory and builds its cases the same way; without SPEC
names, --extra builds only those.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import progress  # noqa: E402
import tree  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENERATED = os.path.join(ROOT, "generated")


def _normalise(text):
    return text.replace("\u2018", "'").replace("\u2019", "'")


def _split_by_case(output, workdir):
    """Map case file name -> its diagnostics, from -Otarget output."""
    per_case = {}
    current = None
    pat = re.compile(re.escape(workdir) + r"/([\w.-]+\.c)\b")
    for line in output.splitlines():
        m = pat.search(line)
        if m:
            current = m.group(1)
        if current:
            per_case.setdefault(current, []).append(line)
    return {k: "\n".join(v) for k, v in per_case.items()}


def run_spec(src, build, spec_dir, workroot, include):
    with open(os.path.join(spec_dir, "cases.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    name = os.path.basename(spec_dir)
    work = os.path.join(workroot, name)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    for case in manifest["cases"]:
        shutil.copy(os.path.join(spec_dir, case["file"]), work)
    with open(os.path.join(work, "Kbuild"), "w", encoding="utf-8") as f:
        f.write(f"ccflags-y += -I{include}\n"
                "obj-m += $(patsubst $(src)/%.c,%.o,"
                "$(wildcard $(src)/*.c))\n")
    targets = [c["file"][:-2] + ".o" for c in manifest["cases"]]
    jobs = str(os.cpu_count() or 2)
    # Must-pass cases build with CONFIG_WERROR=y, so a warning fails them.
    # Must-fail cases build without it (CONFIG_WERROR= on the command line
    # overrides the .config): each must be an error in every kernel build,
    # not a warning that only CONFIG_WERROR turns into one.  What stays is
    # what every 6.12 build has, such as -Werror=incompatible-pointer-types.
    output = ""
    rc = 0
    for expect, extra in (("pass", []), ("fail", ["CONFIG_WERROR="])):
        part = [c["file"][:-2] + ".o" for c in manifest["cases"]
                if c["expect"] == expect]
        if not part:
            continue
        part_rc, part_out = progress.run(
            ["make", "-s", "-k", "-Otarget", f"-j{jobs}", "-C", src,
             f"O={build}", f"M={work}"] + extra + part,
            f"compile-fail: building {name}'s {len(part)} must-{expect} "
            "cases", echo=False)
        rc = rc or part_rc
        output += _normalise(part_out)
    diags = _split_by_case(output, work)

    results = {"pass": [0, 0], "fail": [0, 0]}
    problems = []
    for case in manifest["cases"]:
        built = os.path.exists(os.path.join(work, case["file"][:-2] + ".o"))
        text = diags.get(case["file"], "")
        total = results[case["expect"]]
        total[1] += 1
        if case["expect"] == "pass":
            if built:
                total[0] += 1
            else:
                problems.append(f"{name}/{case['file']}: must build "
                                f"({case['what']}) but failed:\n{text}")
        else:
            missing = [d for d in case["diag"] if d not in text]
            if built:
                problems.append(f"{name}/{case['file']}: must not build "
                                f"({case['what']}) but did")
            elif missing:
                problems.append(f"{name}/{case['file']}: failed, but not "
                                f"with the expected diagnostic "
                                f"{missing[0]!r}:\n{text}")
            else:
                total[0] += 1
    # sparse over what must build, as `make C=2` runs it on kernel code;
    # any sparse warning is an error here.
    passing = [c["file"][:-2] + ".o" for c in manifest["cases"]
               if c["expect"] == "pass"]
    sp_rc, sparse_out = progress.run(
        ["make", "-s", "-k", "-Otarget", f"-j{jobs}", "-C", src, f"O={build}",
         f"M={work}", "C=2", "CF=-Wsparse-error"] + passing,
        f"compile-fail: sparse on {name}'s {len(passing)} must-pass cases",
        echo=False)
    sparse_out = _normalise(sparse_out).strip()
    results["sparse"] = [0 if sp_rc or sparse_out else len(passing),
                         len(passing)]
    if sp_rc or sparse_out:
        problems.append(f"{name}: sparse is not clean on the must-pass "
                        f"cases:\n{sparse_out[-3000:]}")
    if not diags and rc and not any(
            os.path.exists(os.path.join(work, t)) for t in targets):
        problems.append(f"{name}: kbuild failed before compiling any case:\n"
                        + output[-3000:])
    return name, results, problems


def _extra(spec_path, tmp):
    """Render a spec outside specs/ (--extra) into ``tmp``: its compile
    directory and an include directory with only its header."""
    out = os.path.join(tmp, "out")
    proc = subprocess.run([sys.executable, "-m", "generator", "--out", out,
                           "gen", spec_path], cwd=ROOT, check=False,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    if proc.returncode:
        return None, proc.stderr.strip()
    inc = os.path.join(tmp, "include")
    shutil.copytree(os.path.join(out, "include"), inc)
    (name,) = os.listdir(os.path.join(out, "compile"))
    return os.path.join(out, "compile", name), inc


def main(argv):
    extra = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--extra"]
    argv = [a for i, a in enumerate(argv)
            if a != "--extra" and (i == 0 or argv[i - 1] != "--extra")]
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, build = argv[1], argv[2]
    # The cases include <linux/typestate/...>, as real users do: from this
    # checkout's include directory, with the current headers.
    include = tree.compile_include()
    known = sorted(os.listdir(os.path.join(GENERATED, "compile")))
    names = argv[3:] or ([] if extra else known)
    unknown = [n for n in names if n not in known]
    if unknown:
        print("compile-fail: no compile cases for spec %s; known: %s"
              % (", ".join(unknown), ", ".join(known)), file=sys.stderr)
        return 2
    workroot = os.path.dirname(include)
    all_problems = []
    print("compile-fail suite (kbuild, x86_64 allmodconfig; must-pass cases "
          "with CONFIG_WERROR=y, must-fail ones without; sparse with "
          "-Wsparse-error)")
    tmp = tempfile.mkdtemp(prefix="typestate-compile-")
    jobs = [(os.path.join(GENERATED, "compile", n), include) for n in names]
    for i, spec_path in enumerate(extra):
        spec_dir, inc = _extra(spec_path, os.path.join(tmp, str(i)))
        if spec_dir is None:
            all_problems.append(f"{spec_path}: refused by the generator: "
                                f"{inc}")
        else:
            jobs.append((spec_dir, inc))
    for spec_dir, inc in jobs:
        name, res, problems = run_spec(src, build, spec_dir, workroot, inc)
        all_problems += problems
        print(f"  {name}: rejected as expected {res['fail'][0]}/"
              f"{res['fail'][1]} must-fail cases, accepted "
              f"{res['pass'][0]}/{res['pass'][1]} must-pass cases; sparse "
              f"clean on {res['sparse'][0]}/{res['sparse'][1]}", flush=True)
    shutil.rmtree(tmp, ignore_errors=True)
    for p in all_problems:
        print(f"FAIL: {p}", file=sys.stderr)
    print(f"compile-fail: {'FAILED' if all_problems else 'ok'} "
          f"({len(all_problems)} case(s) wrong)")
    return 1 if all_problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
