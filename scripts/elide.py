# SPDX-License-Identifier: GPL-2.0
"""Hide from spatch the function bodies a semantic patch cannot match.

spatch runs every rule of a semantic patch over every function of a file
(and again for each set of bindings the rule inherits), whether or not the
function names anything the rule looks for: on drivers/ most of the time
of a migration went to functions that take no part in it.  Before spatch
runs, the body of each function definition whose text (signature and
body) names none of the words the semantic patch matches literally, nor a
member it may follow, is replaced by ';', a marker comment and as many
newlines: the definition becomes a prototype, so spatch still knows what
the function returns when it types the calls in other functions, and the
line numbers stay, so every report and every hunk is the same.  A
hidden function that nothing spatch still sees calls or names (see
names_outside()) goes whole, prototype too: spatch needs no type for it,
and each top-level item it sees costs every rule a look.  After spatch,
restore() puts each body, or each function, back in place.

A function that holds a preprocessor directive, or whose signature starts
after one, is never hidden: the directive may pair with one outside it.
"""

import re

MARK = ";/*@typestate-hidden:%d@*/"
WHOLE = "/*@typestate-hidden-function:%d@*/"
MARKS = re.compile(r"(?:;/\*@typestate-hidden|/\*@typestate-hidden-function)"
                   r":(\d+)@\*/(\n*)")
IDENT = re.compile(r"\b[A-Za-z_]\w*\b")
CALLED = re.compile(r"\b([A-Za-z_]\w*)\s*\(")

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


def functions(text):
    """(start, body, end) of each top-level function definition of C
    ``text``: from its first token after the previous top-level item, its
    body's opening brace, and the end of the brace that closes it.  A
    definition is a top-level brace whose previous token is ')', with '('
    before it in the same item; comments and literals are skipped.  A
    directive ends the item it is in at top level, and keeps a body it is
    in from being returned."""
    out = []
    depth = 0
    item = body = None          # where the current item and body start
    directive = False           # a directive inside the current body
    paren = -1                  # where the last top-level ')' ends
    end = 0                     # where the last item or directive ends
    for m in TOKENS.finditer(text):
        kind = m.lastgroup
        if kind == "comment":
            continue
        if kind == "directive":
            if depth:
                directive = True
            else:
                item, end = None, m.end()
            continue
        if depth == 0 and item is None:
            # The item starts at its first token, which may be one that
            # finditer() skipped: the first thing after the previous
            # item that is not blank or a comment.
            item = BLANK.match(text, end).end()
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
                return []       # not C this scanner understands
            if depth == 0:
                if body is not None and not directive \
                        and "(" in text[item:body]:
                    out.append((item, body, m.end()))
                item = body = None
                end = m.end()
        elif tok == ";" and depth == 0:
            item, end = None, m.end()
        paren = m.end() if tok == ")" and depth == 0 else -1
    return out if depth == 0 else []


def hidden_functions(text, keep):
    """(start, body, end) of each function of ``text`` that ``keep`` (a
    compiled regex) does not match: those hide() hides."""
    return [f for f in functions(text) if not keep.search(text, f[0], f[2])]


def hide(text, keep, used=None, spans=None):
    """``text`` with the body of each function that ``keep`` (a compiled
    regex) does not match replaced by a numbered marker and its newlines;
    returns the new text and the hidden bodies, in order.  With ``used``
    (a set of names: see names_outside()), a hidden function whose
    signature names nothing in ``used`` before a '(' (its own name, or a
    macro around it) is replaced whole, signature too.  ``spans``, if
    given, is hidden_functions(text, keep), computed once by the caller."""
    out, hidden, prev = [], [], 0
    if spans is None:
        spans = hidden_functions(text, keep)
    for start, body, end in spans:
        whole = used is not None and not any(
            m.group(1) in used for m in CALLED.finditer(text, start, body))
        cut = start if whole else body
        out += [text[prev:cut], (WHOLE if whole else MARK) % len(hidden),
                "\n" * text.count("\n", cut, end)]
        hidden.append(text[cut:end])
        prev = end
    out.append(text[prev:])
    return "".join(out), hidden


def names_outside(text, keep, spans=None):
    """The identifiers of ``text`` outside comments, string and character
    literals and the functions hide(text, keep) would hide: what the code
    spatch still sees may call or name (a function's kernel-doc names it,
    and types nothing).  ``spans`` as for hide()."""
    names, prev = set(), 0
    if spans is None:
        spans = hidden_functions(text, keep)
    for start, _, end in spans + [(len(text), None, len(text))]:
        names.update(IDENT.findall(NOT_CODE.sub(" ", text[prev:start])))
        prev = end
    return names


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


def literal_words(cocci):
    """The words the rules of semantic patch text ``cocci`` match
    literally: the identifiers of their code (neither a metavariable of
    the rule nor a keyword), and the iterators and declarers they name.
    A function that names none of these, nor an object a rule binds from
    another function (the caller adds those), is one no rule can match."""
    words = set()
    for rule in re.split(r"(?m)^(?=@[^@\n]+@[ \t]*$)", cocci):
        head = rule.split("\n", 1)[0]
        if not head.startswith("@") or re.match(
                r"@\s*(?:script|initialize|finalize)\b", head):
            continue
        parts = re.split(r"(?m)^@@[ \t]*$", rule, maxsplit=1)
        if len(parts) < 2:
            continue
        decls, code = parts
        for m in re.finditer(r"\b(?:iterator|declarer)\s+name\s+([^;]+);",
                             decls):
            words.update(re.findall(r"\w+", m.group(1)))
        # The types of typed metavariables: struct, union and enum tags
        # and the kernel's _t typedefs, but not a tag that is a
        # metavariable inherited from another rule (struct fdef.S).
        types = set(re.findall(r"\b(?:struct|union|enum)\s+([A-Za-z_]\w*)",
                               decls))
        types.update(re.findall(r"\b[A-Za-z_]\w*_t\b", decls))
        words |= types - set(re.findall(r"\.\s*([A-Za-z_]\w*)", decls))
        bound = set(re.findall(r"\b[A-Za-z_]\w*\b", decls))
        code = re.sub(r"(?m)^[-+*]*\s*#.*$|//.*$", "", code)
        words.update(w for w in re.findall(r"\b[A-Za-z_]\w*\b", code)
                     if w not in bound)
    return words - KEYWORDS


# C and SmPL words that appear in every function or say nothing of one.
KEYWORDS = set("""auto break case char const continue default do double
else enum extern float for goto if inline int long register return short
signed sizeof static struct switch typedef typeof union unsigned void
volatile while when any strict forall exists true false NULL""".split())
