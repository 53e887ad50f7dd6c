# SPDX-License-Identifier: GPL-2.0
"""Model classes built from a validated spec.

Building the model resolves every name the spec uses (dimensions, values,
resources, states) and reports unknown ones.  The checks that need the whole
model (reachability, leaks, acquire/release pairing, generated-name
collisions) live in check.py.
"""

import itertools
import re
import string

# Used with fullmatch(): "$" would also match before a trailing newline.
IDENT_RE = re.compile(r"[a-z][a-z0-9_]*")
CTYPE_RE = re.compile(
    r"(const )?((struct|enum|union) [a-z_][a-z0-9_]*"
    r"|((unsigned|signed) )?(char|short( int)?|int|long( long)?( int)?)"
    r"|unsigned|signed|[a-z_][a-z0-9_]*)( ?\*{1,3})?")
# The typedef names a spec's C types may use: those of <linux/types.h> and
# the kernel headers every driver has, which exist on every architecture.
# A typedef is one word, so without this list any word would pass for one
# (a field of type 'mapping' reached the header and failed kbuild).  Not
# uint8_t and the like: checkpatch --strict wants u8 (PREFER_KERNEL_TYPES).
KERNEL_TYPEDEFS = frozenset("""
    void bool size_t ssize_t ptrdiff_t uintptr_t
    u8 u16 u32 u64 s8 s16 s32 s64 __le16 __le32 __le64 __be16 __be32 __be64
    dma_addr_t phys_addr_t resource_size_t gfp_t slab_flags_t
    loff_t pgoff_t sector_t blkcnt_t fmode_t umode_t dev_t pid_t uid_t
    gid_t kuid_t kgid_t ktime_t time64_t atomic_t atomic64_t atomic_long_t
    refcount_t spinlock_t raw_spinlock_t rwlock_t wait_queue_head_t
    irqreturn_t netdev_features_t vm_fault_t blk_status_t __poll_t
""".split())
# The struct, union and enum types a spec may use by value (a field, a
# parameter), which needs their full definition: those the kernel defines
# in headers every driver can include.  Behind a pointer any tag will do
# (the header declares the ones only parameters name), but by value an
# unknown tag fails kbuild ('has incomplete type'), and only the kernel
# knows its tags.
KERNEL_COMPLETE_TAGS = frozenset({
    "enum dma_data_direction", "struct sg_table", "struct scatterlist",
    "struct sg_page_iter", "struct sg_dma_page_iter", "struct list_head",
    "struct hlist_node", "struct kref", "struct mutex", "struct completion",
    "struct work_struct", "struct delayed_work", "struct timer_list",
    "struct rcu_head", "struct resource",
})
# A relative header path: segments that start with a letter, digit or '_'
# (so never '..' or '.'), no empty segment, no absolute path.
INCLUDE_RE = re.compile(r"[a-z0-9_][a-z0-9_.-]*(/[a-z0-9_][a-z0-9_.-]*)*\.h")

# Limits that keep the output bounded: names fit a file name and
# checkpatch's 100 columns, and the compile cases (which grow with the
# square of the number of states) stay a few thousand files.
MAX_IDENT = 32            # characters of one name from the spec
MAX_STATE_NAME = 40       # characters of a state type, prefix included
MAX_CTYPE = 64
MAX_COMBINATIONS = 1024   # product of the dimensions, before exclusion
MAX_STATES = 32

C_KEYWORDS = frozenset("""
    auto break case char const continue default do double else enum extern
    float for goto if inline int long register restrict return short signed
    sizeof static struct switch typedef union unsigned void volatile while
    asm typeof bool true false alignas alignof nullptr static_assert
    thread_local fallthrough
""".split())

# Names the generated code itself uses inside functions and macros.
# (n, o, p: locals and parameters of the compile cases; f, r, res, saved,
# test: of the KUnit suite.)
GENERATOR_NAMES = frozenset({"body", "ret", "src", "h", "n", "o", "p", "f",
                             "r", "res", "saved", "test"})

PLACEHOLDERS = ("body", "raw")


class Node:
    """Something with a place in the spec, for error messages."""

    def __init__(self, spec, path):
        self.spec = spec
        self.path = tuple(path)

    def error(self, message, key=None, at_key=False):
        """An error at this node, or at ``key`` inside it (a name, or a
        tuple of names and indexes for deeper nodes)."""
        if key is None:
            key = ()
        elif not isinstance(key, tuple):
            key = (key,)
        return self.spec.loc.error(self.path + key, message, at_key=at_key)

    def select_states(self, where):
        """Resolve a ``where`` mapping (dimension name to a list of its
        values) into ``self.where``, {dimension: set of values}, and return
        the states whose value in every named dimension is one of those."""
        self.where = {}
        for dim_name, names in where.items():
            dim = self.spec.dimension(dim_name, self, ("where", dim_name),
                                      True)
            self.where[dim] = {dim.value(n, self, ("where", dim_name, i))
                               for i, n in enumerate(names)}
        return [s for s in self.spec.states
                if all(s.value_of(dim) in vals
                       for dim, vals in self.where.items())]


class Param(Node):
    def __init__(self, spec, path, d):
        super().__init__(spec, path)
        self.name = d["name"]
        self.type = d["type"]
        self.doc = d.get("doc", "")

    @property
    def decl(self):
        return c_decl(self.type, self.name)


class Resource(Node):
    def __init__(self, spec, path, d):
        super().__init__(spec, path)
        self.name = d["name"]
        self.doc = d["doc"]


class Hold:
    """One resource a value holds, and the code that gives it back (None
    when the value has no release for it)."""

    def __init__(self, value, resource, release, key):
        self.value = value
        self.dim = value.dim
        self.name = value.name          # the value's name, for messages
        self.holds = resource
        self.release = release
        self.key = key                  # where its release is in the spec

    def error(self, message):
        return self.value.error(message, self.key)


class Value(Node):
    """One value of a dimension, e.g. ownership=owned.  It may hold
    several resources (``holds: [prepare, enable]``), listed in the order
    they are acquired; its release gives them back in the reverse order,
    and a transition to a value that keeps some of them gives back only
    the others."""

    def __init__(self, spec, path, dim, d):
        super().__init__(spec, path)
        self.dim = dim
        self.name = d["name"]
        self.doc = d["doc"]
        h = d.get("holds")
        self.held = [] if h is None else [h] if isinstance(h, str) \
            else list(h)
        for i, r in enumerate(self.held):
            if r not in spec.resources:
                raise self.error(f"unknown resource '{r}'; declare it "
                                 "under resources:", "holds" if
                                 isinstance(h, str) else ("holds", i))
            if r in self.held[:i]:
                raise self.error(f"{dim.name}={self.name} holds '{r}' "
                                 "twice; list each resource once", ("holds", i))
        self.has_release = "release" in d
        rel = d.get("release")
        codes = {}
        if isinstance(rel, str):
            if len(self.held) > 1:
                raise self.error(
                    f"{dim.name}={self.name} holds {len(self.held)} "
                    "resources, so its release gives the code of each: "
                    "'release: {" + ", ".join(f"{r}: ..." for r in self.held)
                    + "}'; a transition that keeps some of them runs only "
                    "the code of the others", "release")
            if self.held:
                codes[self.held[0]] = (Code(spec, path + ("release",), rel),
                                       "release")
        elif isinstance(rel, dict):
            for r, text in rel.items():
                if r not in self.held:
                    held = ", ".join(f"'{x}'" for x in self.held) or \
                        "nothing"
                    raise self.error(
                        f"release of '{r}', which {dim.name}={self.name} "
                        f"does not hold (it holds {held}); name a resource "
                        "of its 'holds'", ("release", r), at_key=True)
                codes[r] = (Code(spec, path + ("release", r), text),
                            ("release", r))
            missing = [r for r in self.held if r not in codes]
            if missing:
                raise self.error(
                    f"{dim.name}={self.name} holds '{missing[0]}' but its "
                    f"release gives no code for it; add '{missing[0]}: ...' "
                    "to release", "release")
        self.items = [Hold(self, r, *codes.get(r, (None, "holds")))
                      for r in self.held]

    @property
    def holds(self):
        """The one resource the value holds, or None (several: the last)."""
        return self.held[-1] if self.held else None

    @property
    def releases(self):
        """Holds in the order a release gives them back: the reverse of
        the order they are acquired."""
        return list(reversed(self.items))


class Dimension(Node):
    def __init__(self, spec, path, d):
        super().__init__(spec, path)
        self.name = d["name"]
        self.doc = d["doc"]
        self.values = [Value(spec, path + ("values", i), self, v)
                       for i, v in enumerate(d["values"])]
        self.by_name = {}
        for v in self.values:
            if v.name in self.by_name:
                raise v.error(f"duplicate value '{v.name}' in dimension "
                              f"'{self.name}'", "name")
            self.by_name[v.name] = v

    def value(self, name, node, key):
        if name not in self.by_name:
            known = ", ".join(self.by_name)
            raise node.error(f"unknown value '{name}' for dimension "
                             f"'{self.name}'; known: {known}", key)
        return self.by_name[name]


class State:
    """One element of the product of the dimensions."""

    def __init__(self, spec, values):
        self.spec = spec
        self.values = tuple(values)          # one Value per dimension
        self.name = "_".join(v.name for v in values)
        self.ctype = f"struct {spec.prefix}_{self.name}"
        self.cname = f"{spec.prefix}_{self.name}"
        self.incoming = []                    # constructors and steps
        self.steps = []                       # TransitionSteps from here

    def value_of(self, dim):
        return self.values[self.spec.dimensions.index(dim)]

    def replace(self, dim, value):
        vals = list(self.values)
        vals[self.spec.dimensions.index(dim)] = value
        return self.spec.state_for(vals)

    @property
    def held(self):
        return {r for v in self.values for r in v.held}

    @property
    def releases(self):
        """The Holds a release of this state gives back, in order: the
        dimensions in release_order, and within a value the reverse of
        the order its resources are acquired."""
        order = [self.value_of(d) for d in self.spec.release_order]
        return [h for v in order for h in v.releases]

    @property
    def releasable(self):
        """Whether a release function exists: it holds something, and every
        value that holds something knows how to give it back."""
        rel = self.releases
        return bool(rel) and all(v.release for v in rel)

    def describe(self):
        return ", ".join(f"{v.dim.name}={v.name}" for v in self.values)

    @property
    def extended(self):
        """Whether this state's storage is the extended one."""
        ext = self.spec.extended
        return ext is not None and self in ext.states

    @property
    def storage_type(self):
        """The storage a handle in this state points into."""
        return self.spec.extended.ctype if self.extended \
            else self.spec.storage_type

    @property
    def fields(self):
        """The storage fields a handle in this state has."""
        return self.spec.fields + (self.spec.extended.fields
                                   if self.extended else [])


class Extended(Node):
    """storage.extended: the fields only some states need, in a larger
    struct of their own whose first member, ``common``, is the common
    storage, so that every other state's storage carries none of them."""

    def __init__(self, spec, path, d):
        super().__init__(spec, path)
        self.name = d["name"]
        self.ctype = f"struct {self.name}"
        self.doc = d["doc"]
        self.fields = [Param(spec, path + ("fields", i), f)
                       for i, f in enumerate(d["fields"])]
        self.states = self.select_states(d["where"])
        if not self.states:
            raise self.error("'where' selects no state; name the values "
                             "whose states need these fields", "where")
        if len(self.states) == len(spec.states):
            raise self.error("'where' selects every state; put these fields "
                             "in storage.fields instead", "where")

    def check_closed(self, transitions):
        """A transition keeps its storage: it may not lead from a state of
        the extended storage to one of the common storage, or back."""
        for t in transitions:
            vals = self.where.get(t.dim)
            if vals is None or (t.src in vals) == (t.dst in vals):
                continue
            raise self.error(
                f"transition '{t.name}' moves {t.dim.name} from {t.src.name} "
                f"to {t.dst.name}, across this 'where', but a transition "
                "keeps the handle's storage; select whole sets of states "
                f"that transitions do not leave (here: both or neither of "
                f"{t.src.name}, {t.dst.name})", ("where", t.dim.name))


class Code(Node):
    """A C snippet from the spec, with ${body} / ${raw} placeholders."""

    def __init__(self, spec, path, text):
        super().__init__(spec, path)
        self.text = text
        tmpl = string.Template(text)
        for m in tmpl.pattern.finditer(text):
            if m.group("escaped") is not None:
                continue                  # $$, a literal '$'
            name = m.group("named") or m.group("braced")
            if m.group("invalid") is not None or name not in PLACEHOLDERS:
                bad = text[m.start():m.end() + (0 if name else 1)]
                raise self.error(f"unknown placeholder '{bad}' in C code; "
                                 "use ${body} or ${raw}, or $$ for a '$'")

    def uses_placeholder(self, name):
        return any((m.group("named") or m.group("braced")) == name
                   for m in string.Template.pattern.finditer(self.text))

    def uses(self, word):
        return re.search(rf"\b{re.escape(word)}\b", self.text) is not None

    def render(self, body, extended=False):
        """The C, with ``body`` for ${body}.  ``extended``: ``body`` is
        the extended storage, whose common fields are under ``common``."""
        return self.spec.fill(self.text, body, extended)


class Callable(Node):
    """Common parts of constructors, transitions and operations."""

    def __init__(self, spec, path, d):
        super().__init__(spec, path)
        self.name = d["name"]
        self.summary = d["summary"]
        self.doc = d.get("doc", "")
        self.context = d.get("context")
        self.params = [Param(spec, path + ("params", i), p)
                       for i, p in enumerate(d.get("params", []))]
        self.locals = [Param(spec, path + ("locals", i), p)
                       for i, p in enumerate(d.get("locals", []))]
        self.errors = d.get("errors", [])
        self.call = self._code(d, "call")
        self.then = self._code(d, "then")
        self.undo = self._code(d, "undo")
        self.acquires = d.get("acquires", [])
        self.releases = d.get("releases", [])

    def _code(self, d, key):
        if key not in d:
            return None
        return Code(self.spec, self.path + (key,), d[key])

    @property
    def fails(self):
        return bool(self.errors)


class Constructor(Callable):
    def __init__(self, spec, path, d):
        super().__init__(spec, path, d)
        self.kind = d["kind"]
        self.vouch = d.get("vouch")
        self.target = spec.resolve_state(d["to"], self, "to")
        self.cname = f"{spec.prefix}_{self.name}"


class Transition(Callable):
    def __init__(self, spec, path, d):
        super().__init__(spec, path, d)
        for key in ("dimension", "from", "to"):
            if key not in d:
                raise self.error(f"transition '{self.name}' lacks '{key}': "
                                 "a transition names the dimension it "
                                 "changes, 'from' and 'to', or lists "
                                 "under 'via' the transitions it goes "
                                 "through")
        self.dim = spec.dimension(d["dimension"], self, "dimension")
        self.src = self.dim.value(d["from"], self, "from")
        self.dst = self.dim.value(d["to"], self, "to")
        self.cname = f"{spec.prefix}_{self.name}"
        self.steps = []

    @property
    def reused_releases(self):
        """What a transition without 'call' runs: the releases of the
        resources it declares it gives back, in the order the source
        value's release gives them back."""
        return [h for h in self.src.releases if h.holds in self.releases]


class Composite(Node):
    """A transition that goes through other transitions in one call
    (``via``): it crosses several dimensions, such as clk_prepare_enable().
    Its parameters, errors, acquisitions and releases are those of its
    parts; on a failure it gives back what the parts before acquired."""

    OWN = ("dimension", "from", "to", "acquires", "releases", "errors",
           "call", "undo", "then", "locals", "params")

    def __init__(self, spec, path, d):
        super().__init__(spec, path)
        self.name = d["name"]
        self.summary = d["summary"]
        self.doc = d.get("doc", "")
        self.context = d.get("context")
        self.cname = f"{spec.prefix}_{self.name}"
        for key in self.OWN:
            if key in d:
                raise self.error(
                    f"transition '{self.name}' goes 'via' other transitions "
                    f"and takes its {key} from them; remove '{key}'", key,
                    at_key=True)
        self.via_names = d["via"]
        self.locals = []
        self.call = self.then = self.undo = None
        self.via = []
        self.params = []
        self.errors = []
        self.acquires = []
        self.releases = []
        self.steps = []

    def resolve(self, spec):
        singles = {t.name: t for t in spec.transitions}
        multi = {t.name for t in spec.composites}
        for i, n in enumerate(self.via_names):
            if n not in singles:
                if n in multi:
                    raise self.error(f"'via' names '{n}', which goes via "
                                     "other transitions itself; list its "
                                     "transitions instead", ("via", i))
                raise self.error(f"'via' names unknown transition '{n}'; "
                                 "known: " + ", ".join(singles),
                                 ("via", i))
            self.via.append(singles[n])
        by_name = {}
        for i, t in enumerate(self.via):
            for a in t.params:
                if a.name in by_name:
                    if by_name[a.name].type != a.type:
                        raise self.error(
                            f"'{t.name}' and an earlier transition of 'via' "
                            f"both take '{a.name}', as "
                            f"'{by_name[a.name].type}' and '{a.type}'; one "
                            "argument cannot be both", ("via", i))
                    continue
                by_name[a.name] = a
                self.params.append(a)
            for e in t.errors:
                same = [x for x in self.errors if x["code"] == e["code"]]
                if same:
                    same[0]["when"] += f", or {e['when']}"
                else:
                    self.errors.append(dict(e))
            self.acquires += [r for r in t.acquires
                              if r not in self.acquires]
            self.releases += [r for r in t.releases
                              if r not in self.releases]
            if t.then is not None and i < len(self.via) - 1:
                raise self.error(
                    f"'{t.name}' writes the storage ('then') and is not the "
                    "last transition of 'via': a later failure would leave "
                    "the source handle changed; put it last or leave it "
                    "out", ("via", i))
        for i, t in enumerate(self.via):
            if t.fails and any(u.releases for u in self.via[:i]):
                gone = next(u for u in self.via[:i] if u.releases)
                raise self.error(
                    f"'{t.name}' can fail after '{gone.name}' gave back "
                    f"{', '.join(gone.releases)}: the failure could not "
                    "restore the source handle; a transition that can fail "
                    "must come before any that releases", ("via", i))
        for st in spec.states:
            cur, parts = st, []
            for t in self.via:
                step = next((x for x in t.steps if x.src is cur), None)
                if step is None:
                    break
                parts.append(step)
                cur = step.dst
            else:
                if cur is not st:
                    self.steps.append(CompositeStep(self, st, cur, parts))
        if not self.steps:
            raise self.error("no state can go through "
                             + ", then ".join(f"'{t.name}'" for t in self.via)
                             + " (each must start where the one before "
                             "ends, and not back in the state it started "
                             "from); reorder them or name others", "via")

    @property
    def fails(self):
        return bool(self.errors)


class CompositeStep:
    """A composite transition applied to one concrete source state: the
    TransitionSteps it calls, and for each that can fail, the values whose
    release gives back what the steps before it acquired."""

    def __init__(self, transition, src, dst, parts):
        self.transition = transition
        self.src = src
        self.dst = dst
        self.parts = parts
        self.cname = f"{src.cname}_{transition.name}"
        self.undo = []
        for i, part in enumerate(parts):
            prev = parts[i - 1].dst if i else src
            vals = [h for h in prev.releases if h.holds not in src.held]
            for v in vals:
                if part.transition.fails and not v.release:
                    raise transition.error(
                        f"'{part.transition.name}' can fail after "
                        f"{v.dim.name}={v.name} was entered, which holds "
                        f"'{v.holds}' but has no release to give it back "
                        "with", "via")
            self.undo.append(vals)


class TransitionStep:
    """A transition applied to one concrete source state."""

    def __init__(self, transition, src, dst):
        self.transition = transition
        self.src = src
        self.dst = dst
        self.cname = f"{src.cname}_{transition.name}"


class Operation(Callable):
    def __init__(self, spec, path, d):
        super().__init__(spec, path, d)
        self.kind = d.get("kind", "function")
        self.returns = d.get("returns")
        self.expr = d.get("expr")
        self.expand = d.get("expand")
        self.cname = f"{spec.prefix}_{self.name}"
        self.impl = f"__{spec.prefix}_{self.name}"
        self.states = self.select_states(d.get("where", {}))
        for key in ("expr", "expand"):
            if d.get(key) is not None:
                Code(spec, path + (key,), d[key])

    @property
    def storage_type(self):
        """What its implementation takes: the extended storage when every
        state it is legal in has it, else the common one."""
        return self.spec.extended.ctype if self.extended \
            else self.spec.storage_type

    @property
    def extended(self):
        """Whether its implementation takes the extended storage."""
        return bool(self.spec.extended and self.states
                    and all(s.extended for s in self.states))


class Spec:
    """The whole resolved spec."""

    def __init__(self, data, loc):
        self.loc = loc
        self.file = loc.path
        self.data = data
        self.name = data["name"]
        self.prefix = data["prefix"]
        self.storage_type = f"struct {self.prefix}"
        self.summary = data["summary"]
        self.doc = data.get("doc", "")
        self.includes = data.get("includes", [])
        self.kunit = data.get("kunit")
        self.plan = None
        self.fields = [Param(self, ("storage", "fields", i), f)
                       for i, f in enumerate(data["storage"]["fields"])]
        self.storage_doc = data["storage"]["doc"]
        self.extended = None
        self.raw_type = data["raw"]["type"]
        self.raw_expr = data["raw"]["expr"]
        if Code(self, ("raw", "expr"), self.raw_expr).uses_placeholder("raw"):
            raise self.loc.error(("raw", "expr"), "raw.expr cannot use "
                                 "${raw}, which it defines; write it with "
                                 "${body}")

        self.resources = {}
        for i, r in enumerate(data.get("resources", [])):
            res = Resource(self, ("resources", i), r)
            if res.name in self.resources:
                raise res.error(f"duplicate resource '{res.name}'", "name")
            self.resources[res.name] = res

        self.dimensions = []
        for i, d in enumerate(data["dimensions"]):
            dim = Dimension(self, ("dimensions", i), d)
            if any(x.name == dim.name for x in self.dimensions):
                raise dim.error(f"duplicate dimension '{dim.name}'", "name")
            self.dimensions.append(dim)

        self.release_order = [self.dimension(n, Node(self, ("release_order", i)))
                              for i, n in enumerate(data["release_order"])]
        for i, dim in enumerate(self.release_order):
            if dim in self.release_order[:i]:
                raise self.loc.error(("release_order", i), "dimension "
                                     f"'{dim.name}' appears twice in "
                                     "release_order")
        missing = [d.name for d in self.dimensions
                   if d not in self.release_order]
        if missing:
            raise self.loc.error(("release_order",), "release_order must "
                                 "list every dimension; missing: "
                                 + ", ".join(missing))

        excluded = set()
        for i, ex in enumerate(data.get("exclude", [])):
            node = Node(self, ("exclude", i))
            combo = dict((k, v) for k, v in ex.items() if k != "why")
            for k in combo:
                if k not in [d.name for d in self.dimensions]:
                    raise node.error(f"unknown dimension '{k}' in exclude",
                                     k, at_key=True)
            names = []
            for dim in self.dimensions:
                if dim.name not in combo:
                    raise node.error(f"exclude entry must name a value for "
                                     f"every dimension, or '*' for any; "
                                     f"missing '{dim.name}'")
                want = combo.pop(dim.name)
                names.append([v.name for v in dim.values] if want == "*"
                             else [dim.value(want, node, dim.name).name])
            if combo:
                extra = next(iter(combo))
                raise node.error(f"unknown dimension '{extra}' in exclude",
                                 extra, at_key=True)
            if all(ex[d.name] == "*" for d in self.dimensions):
                raise node.error("exclude entry with '*' for every dimension "
                                 "would exclude every state; name a value "
                                 "for at least one")
            excluded.update(itertools.product(*names))

        combos = 1
        for dim in self.dimensions:
            combos *= len(dim.values)
        if combos > MAX_COMBINATIONS:
            raise self.loc.error(("dimensions",), f"the dimensions combine "
                                 f"into {combos} states; the limit is "
                                 f"{MAX_COMBINATIONS} before exclusion and "
                                 f"{MAX_STATES} after")
        self.states = []
        self._states = {}
        for combo in itertools.product(*(d.values for d in self.dimensions)):
            if tuple(v.name for v in combo) in excluded:
                continue
            st = State(self, combo)
            seen = {}
            for v in combo:
                for r in v.held:
                    if r in seen:
                        o = seen[r]
                        raise v.error(
                            f"state {st.name} holds '{r}' through both "
                            f"{o.dim.name}={o.name} and {v.dim.name}="
                            f"{v.name}: its release would give it back "
                            "twice; let one value hold it, or exclude the "
                            "combination", "holds")
                    seen[r] = v
            self.states.append(st)
            self._states[tuple(combo)] = st
        if len(self.states) > MAX_STATES:
            raise self.loc.error(("dimensions",), f"the spec has "
                                 f"{len(self.states)} states; the limit is "
                                 f"{MAX_STATES} (each pair of states gets a "
                                 "compile case); exclude combinations that "
                                 "cannot exist, or split the spec")

        self.constructors = [Constructor(self, ("constructors", i), c)
                             for i, c in enumerate(data["constructors"])]
        self.transitions = [Transition(self, ("transitions", i), t)
                            for i, t in enumerate(data.get("transitions", []))
                            if "via" not in t]
        self.composites = [Composite(self, ("transitions", i), t)
                           for i, t in enumerate(data.get("transitions", []))
                           if "via" in t]
        self.operations = [Operation(self, ("operations", i), o)
                           for i, o in enumerate(data.get("operations", []))]

        for c in self.constructors:
            c.target.incoming.append(c)
        for t in self.transitions:
            for st in self.states:
                if st.value_of(t.dim) is not t.src:
                    continue
                dst = st.replace(t.dim, t.dst)
                if dst is None:
                    continue
                step = TransitionStep(t, st, dst)
                t.steps.append(step)
                st.steps.append(step)
                dst.incoming.append(step)
        for c in self.composites:
            c.resolve(self)
        if "extended" in data["storage"]:
            self.extended = Extended(self, ("storage", "extended"),
                                     data["storage"]["extended"])
            self.extended.check_closed(self.transitions)

    def fill(self, text, body, extended=False):
        """C text from the spec with its placeholders filled: ${body} is
        ``body``, ${raw} the raw.expr of it.  In extended storage the
        common fields are members of its ``common``."""
        raw = self.raw_expr
        if extended:
            common = {f.name for f in self.fields}

            def to_common(t):
                return re.sub(r"\$\{body\}(\s*->\s*)([A-Za-z_]\w*)",
                              lambda m: "${body}" + m.group(1)
                              + ("common." if m.group(2) in common else "")
                              + m.group(2), t)
            text, raw = to_common(text), to_common(raw)
        raw = string.Template(raw).substitute(body=body)
        return string.Template(text).substitute(body=body, raw=raw)

    @property
    def all_fields(self):
        """Every storage field: the common ones, then the extended ones."""
        return self.fields + (self.extended.fields if self.extended else [])

    # -- lookups -----------------------------------------------------------

    def dimension(self, name, node, key=None, at_key=False):
        for d in self.dimensions:
            if d.name == name:
                return d
        known = ", ".join(d.name for d in self.dimensions)
        raise node.error(f"unknown dimension '{name}'; known: {known}", key,
                         at_key)

    def state_for(self, values):
        return self._states.get(tuple(values))

    def resolve_state(self, ref, node, key):
        """A state named by {dimension: value}, every dimension given."""
        vals = []
        for i, dim in enumerate(self.dimensions):
            if dim.name not in ref:
                raise node.error(f"'{key}' must name a value for every "
                                 f"dimension; missing '{dim.name}'", key)
            vals.append(dim.value(ref[dim.name], node, (key, dim.name)))
        for k in ref:
            if k not in [d.name for d in self.dimensions]:
                self.dimension(k, node, (key, k), True)
        st = self.state_for(vals)
        if st is None:
            raise node.error("state " + ", ".join(f"{v.dim.name}={v.name}"
                                                  for v in vals)
                             + " is excluded by the spec", key)
        return st

    @property
    def releasable_states(self):
        return [s for s in self.states if s.releasable]

    @property
    def forward_tags(self):
        """'struct x' and 'union x' that only parameters name: declared
        before the functions, since a tag first named in a parameter list
        is scoped to that function (gcc: 'declared inside parameter list',
        an error under CONFIG_WERROR).  Tags of the storage fields are
        declared by the storage struct."""
        def tags(types):
            return {m.group() for t in types
                    for m in re.finditer(r"\b(struct|union) [a-z_]\w*", t)}
        params = [p.type for c in self.constructors + self.transitions +
                  self.operations for p in c.params]
        own = {self.storage_type} | {st.ctype for st in self.states}
        if self.extended:
            own.add(self.extended.ctype)
        return sorted(tags(params) - tags(f.type for f in self.all_fields)
                      - own)


_TYPE_WORDS = frozenset("const struct enum union int long char short "
                        "unsigned signed void bool double float".split())


def ctype_problem(ctype):
    """What checkpatch or the compiler would say about a C type that
    CTYPE_RE accepts (written as is into the header), or None."""
    words = ctype.replace("*", " ").split()
    base = [w for w in words if w != "const"]
    if "float" in base or "double" in base:
        return f"'{ctype}': no floating point in the kernel"
    stars = ctype.count("*")
    canon = " ".join(words) + (" " + "*" * stars if stars else "")
    if ctype != canon:
        return (f"'{ctype}': write '{canon}' (one space between words and "
                "before the '*'s, as checkpatch wants: POINTER_LOCATION)")
    if "int" in base and ("short" in base or "long" in base):
        short = " ".join(w for w in words if w != "int")
        return f"'{ctype}': write '{short}' (checkpatch: UNNECESSARY_INT)"
    if "signed" in base and base != ["signed", "char"]:
        return (f"'{ctype}': write it without 'signed' (only 'signed char' "
                "needs it)")
    if base == ["unsigned"]:
        return f"'{ctype}': write 'unsigned int' (checkpatch: UNSPECIFIED_INT)"
    if base == ["void"] and not stars:
        return f"'{ctype}': void is a type only behind a pointer ('void *')"
    tag = " ".join(w for w in base if w != "const")
    if base[0] in ("struct", "union", "enum") and not stars and \
            tag not in KERNEL_COMPLETE_TAGS:
        return (f"'{ctype}' by value needs the full definition of {tag}, "
                "which the generator cannot see; use a pointer, or a type "
                "of KERNEL_COMPLETE_TAGS in generator/model.py")
    if len(base) == 1 and base[0] not in _TYPE_WORDS and \
            base[0] not in KERNEL_TYPEDEFS:
        return (f"'{ctype}' is not a type the kernel's headers are known to "
                f"define; write 'struct {base[0]} *', 'enum {base[0]}', a "
                "builtin type, or one of the typedefs of <linux/types.h> "
                "(the list is KERNEL_TYPEDEFS in generator/model.py)")
    return None


def c_decl(ctype, name):
    """``struct page **`` + ``pages`` -> ``struct page **pages``."""
    if ctype.endswith("*"):
        return ctype + name
    return f"{ctype} {name}"


def display_cols(text):
    """Display width of ``text`` with 8-column tabs, as checkpatch counts."""
    col = 0
    for ch in text:
        col = (col // 8 + 1) * 8 if ch == "\t" else col + 1
    return col
