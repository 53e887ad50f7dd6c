# SPDX-License-Identifier: GPL-2.0
"""typestate-gen: render specs/*.yaml into generated/.

    python3 -m generator gen   [--out DIR] [SPEC...]   write what changed
    python3 -m generator check [--out DIR] [SPEC...]   exit 1 if DIR differs
    python3 -m generator lint  SPEC...                 only validate

A mistake in a spec is one line on stderr, ``file:line:col: error: ...``,
with exit status 2; nothing is written.
"""

import argparse
import glob
import os
import sys

from . import check as checks
from . import load, migration, model, render, schema
from .errors import SpecError


def build(path):
    """Load, validate, model and check one spec."""
    data, loc = load.load(path)
    schema.validate(data, loc)
    spec = model.Spec(data, loc)
    checks.check(spec)
    spec.migration = migration.resolve(spec)
    return spec


def build_all(paths):
    specs = [build(p) for p in paths]
    seen = {}
    for spec in specs:
        for key, value in (("name", spec.name), ("prefix", spec.prefix)):
            other = seen.get((key, value))
            if other:
                raise spec.loc.error((key,), f"{key} '{value}' is already "
                                     f"used by {other}; each spec needs its "
                                     "own")
            seen[(key, value)] = spec.file
    names = {}
    for spec in specs:
        for name, node, key, what in checks.generated_names(spec):
            other = names.get(name)
            if other and other[0] is not spec:
                where = node or model.Node(spec, ())
                raise where.error(f"generated name '{name}' for {what} is "
                                  f"also defined by {other[0].file}; the two "
                                  "headers could not be included together",
                                  key)
            names.setdefault(name, (spec, what))
    return specs


def main(argv=None):
    ap = argparse.ArgumentParser(prog="typestate-gen",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["gen", "check", "lint"])
    ap.add_argument("--out", default=os.path.join(render.ROOT, "generated"))
    ap.add_argument("specs", nargs="*")
    args = ap.parse_intermixed_args(argv)
    paths = args.specs or sorted(glob.glob(os.path.join(render.ROOT, "specs",
                                                        "*.yaml")))
    if not paths:
        print("typestate-gen: no specs given and none in specs/", file=sys.stderr)
        return 2
    if args.command != "lint" and os.path.exists(args.out) and \
            not os.path.isdir(args.out):
        print(f"typestate-gen: --out {args.out}: not a directory; give the "
              "directory to write (or check) the generated tree in",
              file=sys.stderr)
        return 2
    try:
        return _run(args, paths)
    except KeyboardInterrupt:
        print(f"typestate-gen: interrupted; {args.out} is as it was",
              file=sys.stderr)
        return 130


def _run(args, paths):
    try:
        specs = build_all(paths)
        files = render.render(specs)      # lint too: output checks
    except SpecError as e:
        print(e, file=sys.stderr)
        return 2

    if args.command == "gen":
        try:
            changed = render.write(files, args.out)
        except OSError as e:
            print(f"typestate-gen: cannot write {args.out}: "
                  f"{e.strerror or e}; it is as it was", file=sys.stderr)
            return 2
        for rel in changed:
            print(f"  GEN     {os.path.join(os.path.relpath(args.out), rel)}")
        return 0
    if args.command == "check":
        have = render.existing(args.out)
        bad = []
        for rel in sorted(set(files) | have):
            path = os.path.join(args.out, rel)
            if rel not in files:
                bad.append(f"{path}: not produced by any spec (stale or "
                           "added by hand)")
            elif rel not in have:
                bad.append(f"{path}: missing")
            else:
                with open(path, encoding="utf-8") as f:
                    if f.read() != files[rel]:
                        bad.append(f"{path}: differs from what the specs "
                                   "and templates produce (edited by hand?)")
        for line in bad:
            print(line, file=sys.stderr)
        if bad:
            print("typestate-gen: generated/ is out of date; run `make gen` "
                  "and commit the result", file=sys.stderr)
            return 1
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
