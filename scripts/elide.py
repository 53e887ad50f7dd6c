# SPDX-License-Identifier: GPL-2.0
"""Hide from spatch the top-level items a semantic patch cannot match.

spatch runs every rule of a semantic patch over every top-level item of a
file group (and again for each set of bindings the rule inherits): each
function, prototype, declaration and macro, whether or not it names
anything the rule looks for.  On drivers/ most of the time of a migration
went to items that take no part in it.  Before spatch runs (see plan()):

- the body of each function definition whose text (signature and body)
  names none of the words the semantic patch matches literally, nor a
  member it may follow, is replaced by ';', a marker comment and as many
  newlines: the definition becomes a prototype, so spatch still knows
  what the function returns when it types the calls in other functions;
- such a function that nothing spatch still sees calls or names goes
  whole, prototype too, and so does every declaration (a prototype, a
  variable, a struct, a typedef, an enum) and every #define that such
  words do not match and nothing spatch still sees names: spatch needs
  no type or macro for them.  "Sees" closes over what is kept: a struct a
  kept function names stays, and so do the types and macros it names.

The line numbers stay, so every report and every hunk is the same, and
so do the columns of what spatch sees.  After spatch, restore() puts each
body, or each item, back in place.

A function that holds a preprocessor directive, or whose signature starts
after one, is never hidden, nor is a declaration that holds one: the
directive may pair with one outside it.
"""

import re

MARK = ";/*@typestate-hidden:%d@*/"
WHOLE = "/*@typestate-hidden-item:%d@*/"
MARKS = re.compile(r"(?:;/\*@typestate-hidden|/\*@typestate-hidden-item)"
                   r":(\d+)@\*/(\n*)")
IDENT = re.compile(r"\b[A-Za-z_]\w*\b")
CALLED = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
MEMBER = re.compile(r"(?:->|\.)\s*([A-Za-z_]\w*)")

COMMENT = r"/\*.*?\*/|//[^\n]*"
LITERAL = r""""(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'"""
# What functions() looks at: comments, directives (with their
# continuation lines), string and character literals, and the punctuation
# that delimits items and bodies; finditer() skips the rest.
TOKENS = re.compile(r"""
    (?P<comment>%s)
  | (?P<directive>^[ \t]*\#(?:\\\n|[^\n])*)
  | (?P<literal>%s)
  | [{};)]""" % (COMMENT, LITERAL), re.S | re.M | re.X)
# Comments and literals: text that names nothing spatch types.
NOT_CODE = re.compile("%s|%s" % (COMMENT, LITERAL), re.S)
# Nothing but blanks and comments.
BLANK = re.compile(r"(?:\s|%s)*" % COMMENT, re.S)
# Nothing but blanks and comments up to the end of the line.
REST_OF_LINE = re.compile(r"[ \t]*(?:/\*.*?\*/[ \t]*)*(?:$|//)", re.S | re.M)
# A macro definition, and a comment it leaves open.
DEFINE = re.compile(r"[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)")
OPEN_COMMENT = re.compile(r"/\*(?!.*?\*/)", re.S)
# What declared() looks at in a declaration.
DECL_TOKEN = re.compile(r"[A-Za-z_]\w*|[<>!=+\-*/%&|^]=|==|[{}()\[\]=,;*]")
# Words before a function's name that are not its type.
STORAGE = set("""static extern inline __inline __inline__ __always_inline
noinline const volatile register __maybe_unused __used __weak""".split())


def top_level(text):
    """The top-level items of C ``text`` spatch may be spared: a list of
    function definitions, one of declarations and one of macros.

    A function is (start, body, end): from its first token after the
    previous top-level item, its body's opening brace, and the end of the
    brace that closes it.  A definition is a top-level brace whose previous
    token is ')', with '(' before it in the same item; comments and
    literals are skipped.  A directive ends the item it is in at top
    level, and keeps a body it is in from being returned.  Every item
    returned has nothing but blanks and comments after it on its last
    line, so that hiding it moves no column of what follows.

    A declaration is (start, end): a top-level item that ends with ';'
    (a prototype, a variable, a struct, a typedef, a macro that declares),
    and holds no directive.

    A macro is (start, end, name): a #define at top level, with no comment
    that goes on past its last line."""
    funcs, decls, macros = [], [], []
    depth = 0
    item = body = None          # where the current item and body start
    decl = None                 # where the current declaration starts
    directive = False           # a directive inside the current body
    spoilt = False              # a directive inside the current declaration
    paren = -1                  # where the last top-level ')' ends
    end = 0                     # where the last item or directive ends
    for m in TOKENS.finditer(text):
        kind = m.lastgroup
        if kind == "comment":
            continue
        if kind == "directive":
            if depth:
                directive = spoilt = True
            else:
                item, decl, end = None, None, m.end()
                define = DEFINE.match(m.group())
                if define and not OPEN_COMMENT.search(m.group()):
                    macros.append((m.start(), m.end(), define.group(1)))
            continue
        if depth == 0 and item is None:
            # The item starts at its first token, which may be one that
            # finditer() skipped: the first thing after the previous
            # item that is not blank or a comment.
            item = BLANK.match(text, end).end()
            if decl is None:
                decl, spoilt = item, False
        tok = m.group()
        if tok == "{":
            if depth == 0:
                body = m.start() if paren >= 0 and BLANK.fullmatch(
                    text, paren, m.start()) else None
                directive = False
            depth += 1
        elif tok == "}":
            depth -= 1
            if depth < 0:
                return [], [], []   # not C this scanner understands
            if depth == 0:
                if body is not None and not directive \
                        and "(" in text[item:body] \
                        and REST_OF_LINE.match(text, m.end()):
                    funcs.append((item, body, m.end()))
                if body is not None:
                    decl = None
                item = body = None
                end = m.end()
        elif tok == ";" and depth == 0:
            if decl is not None and not spoilt and REST_OF_LINE.match(
                    text, m.end()):
                decls.append((decl, m.end()))
            item, decl, end = None, None, m.end()
        paren = m.end() if tok == ")" and depth == 0 else -1
    return (funcs, decls, macros) if depth == 0 else ([], [], [])


def functions(text):
    """(start, body, end) of each top-level function definition of C
    ``text``: see top_level()."""
    return top_level(text)[0]


def declared(text):
    """The names declaration ``text`` may declare, or more: for a
    prototype ("T name(...)" and nothing after it but attributes), its
    name; otherwise every identifier but keywords, those of a struct or
    union body or of an initializer, and a tag that is only referred to
    ("struct foo *p" declares p, not foo).  An enum's body counts whole:
    it declares its constants."""
    toks = DECL_TOKEN.findall(NOT_CODE.sub(" ", text))
    if "(" in toks:
        i = toks.index("(")
        name = toks[i - 1] if i else ""
        before = toks[:i - 1]
        if IDENT.fullmatch(name) and name not in KEYWORDS \
                and not name.startswith("__") \
                and not (before and before[-1] in ("struct", "union",
                                                   "enum")) \
                and not any(t in ("=", "{", "[", ",") for t in before) \
                and any(IDENT.fullmatch(t) and t not in STORAGE
                        for t in before):
            # Depth-0 '=' or ',' after the parameters: not a prototype
            # alone ("int f(void), x;").
            depth, j = 0, i
            for j in range(i, len(toks)):
                depth += {"(": 1, ")": -1}.get(toks[j], 0)
                if depth == 0:
                    break
            if not any(t in ("=", ",") for t in toks[j + 1:]):
                return {name}
    out = set()
    braces = []                 # for each open brace: is it an enum body
    parens = 0
    init = False                # inside an initializer at top level
    tag = None                  # the struct, union or enum keyword before
    for k, t in enumerate(toks):
        if t == "{":
            braces.append(tag == "enum" or bool(braces and braces[-1]))
            tag = None
        elif t == "}":
            if braces:
                braces.pop()
        elif t in ("(", "["):
            parens += 1
        elif t in (")", "]"):
            parens -= 1
        elif t == "=" and not braces and not parens:
            init = True
        elif t in (",", ";") and not braces and not parens:
            init = False
        elif t in ("struct", "union", "enum"):
            tag = t
        elif t[0].isalpha() or t[0] == "_":
            after_tag = k and toks[k - 1] in ("struct", "union", "enum")
            if after_tag and not (k + 1 < len(toks) and toks[k + 1] == "{"):
                continue
            if not init and t not in KEYWORDS and (
                    not braces or braces[-1]):
                out.add(t)
    return out


def plan(texts, keep, items_keep=None, members=(), forms=None):
    """What hide_spans() hides in each file of a group that spatch scans
    together: {path: [(start, cut, end)]}, from ``texts`` ({path: text}),
    ``keep``, a compiled regex of what a rule may match in a function,
    ``items_keep``, the same for a declaration or a macro (``keep`` if
    None), ``members``, the names of members a rule may follow from one
    function to another, and ``forms``, the uses of them a rule may match
    (see member_forms(); None: any use).

    A function that ``keep`` does not match, that no declaration
    ``items_keep`` matches names, and that uses none of ``members`` that
    such a function names (after '->' or '.') in one of ``forms``, loses
    its body (cut is the body's brace) and keeps its signature as a
    prototype, so that spatch still types the calls to it.  A declaration
    or a #define that ``items_keep`` does not match, and such a function,
    goes whole (cut is start) when nothing spatch still sees names what
    it declares: spatch needs no type or macro for it, and each top-level
    item it sees costs every rule a look.  "Names" is over the whole
    group, comments and strings left out, and closes over what is kept:
    a struct that a kept function or prototype names stays, and so do
    the types and macros its members name."""
    items_keep = keep if items_keep is None else items_keep
    tops = {path: top_level(text) for path, text in texts.items()}
    kept_funcs = {path: [keep.search(text, f[0], f[2]) is not None
                         for f in tops[path][0]]
                  for path, text in texts.items()}
    # A rule may bind a function's name in a declaration it matches (the
    # callbacks of an ops table) and match that function by the name
    # alone: a function a declaration ``items_keep`` matches names is seen.
    named = set()
    for path, text in texts.items():
        for d in tops[path][1]:
            if items_keep.search(text, d[0], d[1]):
                named |= _idents(text[d[0]:d[1]])
    for path, text in texts.items():
        kept_funcs[path] = [
            k or any(m.group(1) in named for m in CALLED.finditer(
                text, f[0], f[1]))
            for f, k in zip(tops[path][0], kept_funcs[path])]
    members = set(members)
    if members:
        # A member is followed only from a function a rule matches by
        # what it says: the one that acquires it.
        followed = set()
        for path, text in texts.items():
            for f, k in zip(tops[path][0], kept_funcs[path]):
                if k:
                    followed.update(m for m in MEMBER.findall(
                        text, f[0], f[2]) if m in members)
        uses = follow(forms, followed) if followed else []
        for path, text in texts.items():
            kept_funcs[path] = [
                k or any(a.search(text, f[0], f[2]) and (
                    b is None or b.search(text, f[0], f[2])) for a, b in uses)
                for f, k in zip(tops[path][0], kept_funcs[path])]
    items = []                  # (path, start, cut, end, names)
    used = set()
    for path, text in texts.items():
        funcs, decls, macros = tops[path]
        mine = [(path, f[0], f[1], f[2], {m.group(1) for m in CALLED.finditer(
                    text, f[0], f[1])})
                for f, k in zip(funcs, kept_funcs[path]) if not k]
        mine += [(path, d[0], d[1], d[1], declared(text[d[0]:d[1]]))
                 for d in decls if not items_keep.search(text, d[0], d[1])]
        mine += [(path, m[0], m[1], m[1], {m[2]})
                 for m in macros if not items_keep.search(text, m[0], m[1])]
        items += mine
        prev = 0
        for _, start, _, end, _ in sorted(mine, key=lambda i: i[1]) + [
                (path, len(text), None, len(text), None)]:
            used.update(_idents(text[prev:start]))
            prev = end
    # A name that code spatch sees uses keeps each item that may declare
    # it: up to its cut (a function's body stays hidden), and what that
    # part names counts in turn.
    by_name = {}
    for item in items:
        for name in item[4]:
            by_name.setdefault(name, []).append(item)
    kept = set()
    work = list(used)
    while work:
        for item in by_name.pop(work.pop(), ()):
            if item[:4] in kept:
                continue
            kept.add(item[:4])
            new = _idents(texts[item[0]][item[1]:item[2]]) - used
            used |= new
            work += new
    out = {path: [] for path in texts}
    for path, start, cut, end, _ in items:
        if (path, start, cut, end) not in kept:
            out[path].append((start, start, end))
        elif cut != end:
            out[path].append((start, cut, end))
    for spans in out.values():
        spans.sort()
    return out


def _idents(text):
    """The identifiers of C ``text`` outside comments and literals."""
    return set(IDENT.findall(NOT_CODE.sub(" ", text)))


def hide_spans(text, spans):
    """``text`` with each of ``spans`` (see plan()) from cut to end
    replaced by a numbered marker and its newlines; returns the new text
    and what was hidden, in order."""
    out, hidden, prev = [], [], 0
    for start, cut, end in spans:
        out += [text[prev:cut],
                (WHOLE if cut == start else MARK) % len(hidden),
                "\n" * text.count("\n", cut, end)]
        hidden.append(text[cut:end])
        prev = end
    out.append(text[prev:])
    return "".join(out), hidden


def hide(text, keep):
    """hide_spans() of one file scanned alone."""
    return hide_spans(text, plan({None: text}, keep)[None])


class AnyOf:
    """Several compiled regexes searched as one (the part of a keep regex
    that is the same for every file group is compiled once)."""

    def __init__(self, *regexes):
        self.regexes = regexes

    def search(self, text, pos=0, endpos=None):
        end = len(text) if endpos is None else endpos
        return any(r.search(text, pos, end) for r in self.regexes)


def restore(text, hidden):
    """Undo hide() on ``text``, which spatch may have changed elsewhere.
    Raises ValueError if a marker is missing, repeated or lost its
    newlines."""
    seen = []

    def back(m):
        k = int(m.group(1))
        if k >= len(hidden) or m.group(2).count("\n") < \
                hidden[k].count("\n"):
            raise ValueError("hidden body %d came back changed" % k)
        seen.append(k)
        return hidden[k] + m.group(2)[hidden[k].count("\n"):]

    out = MARKS.sub(back, text)
    if sorted(seen) != list(range(len(hidden))):
        raise ValueError("%d of %d hidden bodies came back" % (
            len(set(seen)), len(hidden)))
    return out


RULE_LINE = re.compile(r"^@[^\n]*@[ \t]*$", re.M)


def _rules(cocci):
    """(header, declarations, code) of each rule of semantic patch text
    ``cocci``: its lines "@...@" come in pairs, a rule's header (which
    may be "@@" itself) and the "@@" that ends its declarations."""
    marks = list(RULE_LINE.finditer(cocci))
    for k in range(0, len(marks) - 1, 2):
        end = marks[k + 2].start() if k + 2 < len(marks) else len(cocci)
        yield (marks[k].group(), cocci[marks[k].end():marks[k + 1].start()],
               cocci[marks[k + 1].end():end])


SCRIPT_RULE = re.compile(r"@\s*(?:script|initialize|finalize)\b")


def _declared_names(decls):
    """The iterators and declarers a rule's declarations name: words its
    code matches literally, though declared."""
    return {w for m in re.finditer(
        r"\b(?:iterator|declarer)\s+name\s+([^;]+);", decls)
        for w in re.findall(r"\w+", m.group(1))}


def _metavar_types(decls):
    """The types of a rule's typed metavariables: struct, union and enum
    tags and the kernel's _t typedefs, but not a tag that is a
    metavariable inherited from another rule (struct fdef.S)."""
    types = set(re.findall(r"\b(?:struct|union|enum)\s+([A-Za-z_]\w*)",
                           decls))
    types.update(re.findall(r"\b[A-Za-z_]\w*_t\b", decls))
    return types - set(re.findall(r"\.\s*([A-Za-z_]\w*)", decls))


def _rule_words(decls, code):
    """literal_words() of one rule."""
    bound = set(re.findall(r"\b[A-Za-z_]\w*\b", decls))
    code = re.sub(r"(?m)^[-+*]*\s*#.*$|//.*$", "", code)
    words = _declared_names(decls) | _metavar_types(decls)
    words.update(w for w in re.findall(r"\b[A-Za-z_]\w*\b", code)
                 if w not in bound)
    return words - KEYWORDS


def literal_words(cocci):
    """The words the rules of semantic patch text ``cocci`` match
    literally: the identifiers of their code (neither a metavariable of
    the rule nor a keyword), the iterators and declarers they name, and
    the types of their typed metavariables.
    A function that names none of these, nor an object a rule binds from
    another function (the caller adds those), is one no rule can match."""
    words = set()
    for head, decls, code in _rules(cocci):
        if not SCRIPT_RULE.match(head):
            words |= _rule_words(decls, code)
    return words


# C and SmPL words that appear in every function or say nothing of one.
KEYWORDS = set("""auto break case char const continue default do double
else enum extern float for goto if inline int long register return short
signed sizeof static struct switch typedef typeof union unsigned void
volatile while when any strict forall exists true false NULL""".split())


# What anchors() reads in a rule's code: the disjunctions and
# conjunctions (inline, or a line that holds only "(", "|", "&" or ")"),
# the nests, and words.
SMPL = re.compile(r"""
    (?P<open>\\\(|^\($)
  | (?P<sep>\\\||^\|$)
  | (?P<conj>\\&|^&$)
  | (?P<close>\\\)|^\)$)
  | (?P<optnest><\.\.\.)
  | (?P<reqnest><\+\.\.\.)
  | (?P<endnest>\.\.\.\+?>)
  | (?P<word>[A-Za-z_]\w*)""", re.M | re.X)


def _code_lines(code):
    """The lines of a rule's code that spatch matches against C, with the
    column of the +, - or * mark dropped: no added line, no optional (?)
    line, no comment and no 'when' clause (what it names need not be
    there)."""
    out = []
    for line in re.sub(r"/\*.*?\*/", " ", code, flags=re.S).split("\n"):
        line = line.split("//", 1)[0]
        if line[:1] in ("+", "?") or re.match(r"[-*]?\s*#", line):
            continue
        if line[:1] in "-*":
            line = " " + line[1:]
        if line[:1] != " " and line.strip() not in ("(", "|", "&", ")"):
            line = " " + line
        line = re.sub(r"\bwhen\b.*", "", line) if line[:1] == " " else \
            line.strip()
        out.append(line.rstrip())
    return "\n".join(out)


def _need(toks, i, bound):
    """The words every match of a run of rule tokens holds, as clauses
    (sets of words of which each match holds one) from toks[i]; returns
    the clauses and where the run ends (a close, a separator, or a nest's
    end)."""
    clauses = []
    while i < len(toks):
        kind, text = toks[i]
        if kind in ("close", "sep", "conj", "endnest"):
            break
        i += 1
        if kind == "word":
            if text not in bound:
                clauses.append(frozenset([text]))
        elif kind in ("optnest", "reqnest"):
            inner, i = _need(toks, i, bound)
            i += 1
            if kind == "reqnest":
                clauses += inner
        elif kind == "open":
            branches = []
            while True:
                inner, i = _need(toks, i, bound)
                branches.append((toks[i][0] if i < len(toks) else "close",
                                 inner))
                i += 1
                if branches[-1][0] == "close":
                    break
            clauses += _join(branches)
    return clauses, i


def _join(branches):
    """The clauses of a disjunction (or conjunction) from those of its
    branches: branches is [(what follows it, clauses)], where what
    follows a branch is "sep" (or), "conj" (and) or "close"."""
    alts, group = [], []
    for kind, clauses in branches:
        group += clauses
        if kind != "conj":
            alts.append(group)
            group = []
    if any(not a for a in alts):
        return []
    out = [frozenset()]
    for a in alts:
        out = [c | d for c in out for d in a][:64]
    return out


def anchors(cocci, weak=()):
    """What each match of a rule of semantic patch ``cocci`` on a function
    holds: a list with, for each rule that may match a function, a list
    of clauses (sets of words) such that every match holds a word of
    each clause.  A function that holds a word of no clause of a rule
    (see choose()) is one that rule cannot match by what it says; a rule
    that follows an object from another function, by a member name, is
    the caller's to add.

    The clauses of a rule come from its code: a word that no
    disjunction ("\\(a\\|b\\)" or the lines "(", "|", ")") makes one
    choice of, no optional nest (<... ...>), optional line (?), added
    line or 'when' clause holds, and no isomorphism may drop (``weak``:
    the words of the isomorphism file spatch runs with) is a clause of
    its own; a disjunction gives a clause of one word of each branch.  A
    rule whose code matches only a struct, union or enum definition
    matches no function and has no entry.  A rule with no clause (all its
    code is metavariables) has the types of its typed metavariables as
    literal_words() reads them, if any.  A rule whose code this reader
    does not follow has one clause: the words of its code, as
    literal_words() reads them."""
    out = []
    for decls, _, clauses in _match_rules(cocci, weak):
        if not clauses:
            types = _metavar_types(decls)
            clauses = [frozenset(types)] if types else []
        out.append(clauses)
    return out


def _match_rules(cocci, weak):
    """(declarations, code, clauses) for each rule of ``cocci`` that may
    match a function (see anchors()): its code as _code_lines() gives
    it, and the clauses of that code alone."""
    weak = set(weak) | KEYWORDS
    for head, decls, raw in _rules(cocci):
        if SCRIPT_RULE.match(head):
            continue
        code = _code_lines(raw)
        if re.match(r"\s*(?:struct|union|enum)\s+\w+\s*\{", code) or \
                not code.strip():
            continue
        bound = set(re.findall(r"\b[A-Za-z_]\w*\b", decls)) - \
            _declared_names(decls)
        toks = [(m.lastgroup, m.group()) for m in SMPL.finditer(code)]
        clauses, i = _need(toks, 0, bound | weak)
        if i < len(toks):
            clauses = [c for c in [frozenset(_rule_words(decls, raw))] if c]
        yield decls, code, clauses


def choose(rules, count):
    """The words a function must hold one of for some rule of ``rules``
    (see anchors()) to match it: for each rule, its clause whose words
    ``count`` (a function from a word to how often it occurs) finds the
    rarest."""
    words = set()
    for clauses in rules:
        if clauses:
            words |= min(clauses, key=lambda c: (sum(map(count, c)), len(c),
                                                 sorted(c)))
    return words


def iso_words(path):
    """The words of isomorphism file ``path``'s code: what spatch may
    match without (unlikely(E) => E)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    text = re.sub(r"(?m)//.*$", "", text)
    return set(re.findall(r"\b[A-Za-z_]\w*\b", text))


# What member_forms() reads in a rule's code: nests, dots, disjunction
# marks, C operators and words.
SMPL_TOKEN = re.compile(r"""<\+\.\.\.|\.\.\.\+>|<\.\.\.|\.\.\.>|\.\.\.
    |\\[(|)&]|->|\+\+|--|<<=|>>=|[-+*/%&|^!=<>]=|[A-Za-z_]\w*|\S""", re.X)
ASSIGN = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="}


def member_forms(cocci, weak=()):
    """How the rules of semantic patch ``cocci`` that anchors() gives no
    clause use a member they follow from another rule (``X->F`` with F
    an inherited identifier): a set of forms, or None if some rule may
    match any use of it.  A form is ("after", OP): the member is written
    (OP an assignment, ++ or --); ("before", OP): OP (&, ++ or --) stands
    before it; ("call", REGEX): it is in the arguments of a call to a
    function whose name REGEX finds (^WORD$ for a literal word, or the
    regex an identifier metavariable must match, which spatch searches
    for as re.search() does).  A use at a position inherited
    from another rule adds no form: spatch looks there only.  follow()
    turns the forms into what a function's text must hold."""
    forms = set()
    for decls, code, clauses in _match_rules(cocci, weak):
        if clauses:
            continue
        inherited = {m.group(1) for m in re.finditer(
            r"\b[A-Za-z_]\w*\.([A-Za-z_]\w*)", decls)}
        regexes = dict(re.findall(
            r"\bidentifier\s+([A-Za-z_]\w*)\s*=~\s*\"([^\"]*)\"", decls))
        bound = set(re.findall(r"\b[A-Za-z_]\w*\b", decls))
        toks = SMPL_TOKEN.findall(code)
        for i, tok in enumerate(toks[:-1]):
            if tok not in ("->", ".") or toks[i + 1] not in inherited:
                continue
            j = i + 2
            if j + 1 < len(toks) and toks[j] == "@":
                if toks[j + 1] in inherited:
                    # At a position another rule found: only there.
                    continue
                j += 2
            b = i - 1
            if j < len(toks) and (toks[j] in ASSIGN or
                                  toks[j] in ("++", "--")):
                forms.add(("after", toks[j]))
            elif b >= 1 and toks[b] in bound and \
                    toks[b - 1] in ("&", "++", "--"):
                forms.add(("before", toks[b - 1]))
            else:
                callee = _callee(toks, b)
                if callee in regexes:
                    try:
                        re.compile(regexes[callee])
                    except re.error:
                        return None     # not a regex Python reads
                    forms.add(("call", regexes[callee]))
                elif callee and callee not in bound:
                    forms.add(("call", "^%s$" % re.escape(callee)))
                else:
                    return None
    return forms


def _callee(toks, at):
    """The word before the '(' that opens the call whose arguments hold
    toks[at] (past a position: f@p(...)), or None."""
    depth = 0
    for k in range(at - 1, 0, -1):
        if toks[k] == ")":
            depth += 1
        elif toks[k] == "(":
            if depth == 0:
                if k >= 3 and toks[k - 2] == "@":
                    k -= 2
                return toks[k - 1] if re.match(r"[A-Za-z_]", toks[k - 1]) \
                    else None
            depth -= 1
        elif toks[k] in (";", "{", "}"):
            return None
    return None


def follow(forms, names):
    """What a function must hold to use one of members ``names`` in one
    of ``forms`` (see member_forms(); None: any use): a list of pairs
    (a regex, and None or a second searcher), both of which must match.
    A member may sit in parentheses or before a comment, which the
    rules' isomorphisms see through."""
    name = r"(?:->|\.)\s*(?:%s)\b" % "|".join(
        sorted(map(re.escape, names)))
    if forms is None:
        return [(re.compile(name), None)]
    gap = r"(?:\s|\)|/\*.*?\*/)*"
    out = []
    after = sorted(op for kind, op in forms if kind == "after")
    if after:
        ops = "|".join("=(?!=)" if op == "=" else re.escape(op)
                       for op in after)
        out.append((re.compile(name + gap + "(?:%s)" % ops, re.S), None))
    before = sorted(op for kind, op in forms if kind == "before")
    if before:
        out.append((re.compile(r"(?:%s)[\w\s.\[\]()*>-]*?%s" % (
            "|".join(map(re.escape, before)), name)), None))
    calls = sorted(r for kind, r in forms if kind == "call")
    if calls:
        out.append((re.compile(name), _Calls(calls)))
    return out


class _Calls:
    """search() finds a call to a function whose name one of ``regexes``
    finds."""

    def __init__(self, regexes):
        self.regexes = [re.compile(r) for r in regexes]

    def search(self, text, pos=0, endpos=None):
        end = len(text) if endpos is None else endpos
        return any(r.search(n) for n in set(CALLED.findall(text, pos, end))
                   for r in self.regexes)
