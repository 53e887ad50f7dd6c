# SPDX-License-Identifier: GPL-2.0
"""The shape of the C a spec writes: a small recursive-descent parser.

check.py's lexer makes sure a snippet cannot break out of the code around
it (brackets, strings, comments, preprocessor lines).  This module makes
sure it is C at all, of the kind each field stands for:

- ``statements``: call, then, undo, release, kunit init and exit.  Only
  statements: expression statements, if/else, for, while, do/while,
  switch with case labels, return, break, continue and blocks.  No
  declaration (it goes under ``locals:`` or into the KUnit fixture, where
  the generated code puts the blank line checkpatch wants after it), no
  goto or label, no empty statement.
- ``expr``: one expression (expr:, kunit args and expects).
- ``expand``: a loop header, ``for (...)`` or ``while (...)``, or one call
  of an iterator macro.

Two names in a row are C only after a type keyword (``struct foo``,
``unsigned long``), so English prose pasted into a C field fails here,
at the second word.  This is a grammar, not a compiler: it does not know
which names the kernel declares.
"""

import re

_TOKEN = re.compile(r"""
    (?P<ws>[ \t\r\n]+) |
    (?P<comment>/\*.*?\*/|//[^\n]*) |
    (?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)+') |
    (?P<word>[A-Za-z_][A-Za-z0-9_]*) |
    (?P<num>(?:\d|\.\d)[A-Za-z0-9_.]*) |
    (?P<op>\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|
           [-+*/%&|^!~<>=?:,;.()\[\]{}]) |
    (?P<bad>.)
""", re.X | re.S)

# Words that make a type, alone or with others: 'unsigned long',
# 'const struct foo *', 'void __iomem *'.
_TAGS = frozenset({"struct", "union", "enum"})
_QUALIFIERS = frozenset({"const", "volatile", "restrict", "__user",
                         "__iomem", "__force", "__rcu", "__percpu",
                         "__kernel", "__bitwise"})
_BASE = frozenset({"void", "char", "short", "int", "long", "float",
                   "double", "signed", "unsigned", "bool", "_Bool"})
_TYPE_WORDS = _TAGS | _QUALIFIERS | _BASE

_STATEMENT_WORDS = frozenset({"if", "else", "for", "while", "do", "switch",
                              "case", "default", "return", "break",
                              "continue", "goto"})
# C keywords that have no place in the expressions and statements of a
# spec (storage classes, typedef, asm, ...).
_NEVER = frozenset({"auto", "extern", "register", "static", "typedef",
                    "inline", "asm", "__asm__", "_Static_assert",
                    "static_assert", "alignas", "_Alignas"})

_ASSIGN = frozenset({"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
                     "<<=", ">>="})
_BINARY = frozenset({"||", "&&", "|", "^", "&", "==", "!=", "<", ">", "<=",
                     ">=", "<<", ">>", "+", "-", "*", "/", "%"})
_NO_CALL = frozenset({"sizeof", "typeof", "__typeof__", "alignof",
                      "_Alignof", "__alignof__"})
_PREFIX = frozenset({"++", "--", "&", "*", "+", "-", "~", "!"})

# Statement macros that take a statement after their arguments, as a
# loop does: for_each_sg(...) { ... }, list_for_each_entry(...) ...
_LOOP_MACRO = re.compile(r"\w*for_each\w*")


MAX_DEPTH = 32
_CAMEL = re.compile(r"[A-Z][a-z]|[a-z][A-Z]")
_ERRNO = re.compile(r"E(?!OF\b|RROR\b|POLL)[A-Z]+")


class Bad(Exception):
    def __init__(self, at, problem):
        super().__init__(problem)
        self.at = at
        self.problem = problem


class _Parser:
    def __init__(self, text):
        self.text = text
        self.toks = []
        for m in _TOKEN.finditer(text):
            kind = m.lastgroup
            if kind in ("ws", "comment"):
                continue
            if kind == "bad":
                raise Bad(m.start(), f"'{m.group()}' is not C here")
            if kind == "word" and _CAMEL.search(m.group()):
                raise Bad(m.start(), f"'{m.group()}' mixes upper and lower "
                          "case (checkpatch: CAMELCASE)")
            if kind == "word" and _ERRNO.fullmatch(m.group()) and \
                    self.toks and self.toks[-1][1] in ("return", "="):
                raise Bad(m.start(), f"an errno is negative: write "
                          f"-{m.group()} (checkpatch: USE_NEGATIVE_ERRNO)")
            self.toks.append((kind, m.group(), m.start()))
        self.i = 0
        self.switches = 0
        self.depth = 0

    # -- tokens --

    def peek(self, k=0):
        j = self.i + k
        if j < len(self.toks):
            return self.toks[j]
        return ("end", "", len(self.text.rstrip()))

    def tok(self, k=0):
        return self.peek(k)[1]

    def is_word(self, k=0):
        kind, tok, _ = self.peek(k)
        return kind == "word" and tok not in _TYPE_WORDS \
            and tok not in _STATEMENT_WORDS and tok not in _NEVER \
            and tok != "sizeof"

    def next(self):
        t = self.peek()
        self.i += 1
        return t

    def nest(self, step):
        self.depth += step
        if self.depth > MAX_DEPTH:
            self.fail(f"C nested over {MAX_DEPTH} deep (brackets, "
                      "statements, operators)")

    def fail(self, problem, k=0):
        raise Bad(self.peek(k)[2], problem)

    def expect(self, want, what=None):
        kind, tok, at = self.peek()
        if tok != want or kind not in ("op", "word"):
            got = f"'{tok}'" if tok else "the end of the snippet"
            self.fail(f"expected '{want}'{what or ''}, found {got}")
        self.i += 1

    def unexpected(self, what):
        kind, tok, _ = self.peek()
        if kind == "end":
            self.fail(f"the snippet ends where {what} should follow")
        prev = self.peek(-1) if self.i else ("", "", 0)
        if kind in ("word", "num", "str") and prev[0] in ("word", "num",
                                                          "str"):
            self.fail(f"'{prev[1]}' then '{tok}': two names or values in a "
                      "row are not C (is this prose?)")
        self.fail(f"'{tok}' where {what} should be")

    # -- types --

    def type_starts(self, k=0):
        """Whether a type name starts at token k (within an argument list
        or after '(' or sizeof): a type keyword, or a name followed by
        '*'s and then ')' or ','."""
        kind, tok, _ = self.peek(k)
        if kind != "word":
            return False
        if tok in _TYPE_WORDS or tok in ("typeof", "__typeof__"):
            return True
        if not self.is_word(k):
            return False
        j = k + 1
        if self.tok(j) != "*":
            return False
        while self.tok(j) in ("*",) or self.tok(j) in _QUALIFIERS:
            j += 1
        return self.tok(j) in (")", ",")

    def type_name(self):
        """const struct foo *, unsigned long, size_t, void __iomem *."""
        named = False
        while True:
            kind, tok, _ = self.peek()
            if tok in _TAGS:
                self.next()
                if not self.is_word():
                    self.unexpected(f"the name of the {tok}")
                self.next()
                named = True
            elif tok in _QUALIFIERS or tok in _BASE:
                self.next()
                named = named or tok in _BASE
            elif tok in ("typeof", "__typeof__") and not named:
                self.next()
                self.expect("(")
                self.expression()
                self.expect(")")
                named = True
            elif not named and self.is_word():
                self.next()
                named = True
            else:
                break
        if not named:
            self.unexpected("a type")
        while self.tok() == "*" or self.tok() in _QUALIFIERS:
            _, tok, at = self.peek()
            before = self.text[at - 1:at]
            if tok == "*" and before != ("*" if self.tok(-1) == "*"
                                         else " "):
                self.fail("write a space between a type and its '*', and "
                          "none between '*'s (checkpatch: POINTER_LOCATION)")
            self.next()

    # -- expressions --

    # Each returns what the expression it parsed is, at its top: "assign",
    # "call", "inc" (++ or --), "void" (a cast to void) or "value".  Only
    # the first four make a statement that does something.

    def expression(self):
        what = self.assignment()
        while self.tok() == ",":
            self.next()
            what = self.assignment() if what != "value" else "value"
        return what

    def assignment(self):
        what = self.conditional()
        if self.tok() in _ASSIGN and self.peek()[0] == "op":
            self.spaced()
            self.next()
            self.nest(1)
            self.assignment()
            self.nest(-1)
            return "assign"
        return what

    def conditional(self):
        what = self.binary()
        if self.tok() == "?":
            self.spaced()
            self.next()
            self.expression()
            if self.tok() == ":":
                self.spaced()
            self.expect(":", " of '?:'")
            self.nest(1)
            self.conditional()
            self.nest(-1)
            return "value"
        return what

    def binary(self):
        what = self.unary()
        while self.tok() in _BINARY and self.peek()[0] == "op":
            self.spaced()
            self.next()
            self.unary()
            what = "value"
        return what

    def spaced(self):
        """A binary operator: spaces on both sides, not first on a line
        (checkpatch: SPACING, LOGICAL_CONTINUATIONS)."""
        _, tok, at = self.peek()
        text = self.text
        line_start = text.rfind("\n", 0, at) + 1
        if not text[line_start:at].strip():
            self.fail(f"'{tok}' starts a continuation line; end the line "
                      "before with it (checkpatch: LOGICAL_CONTINUATIONS)")
        after = text[at + len(tok):at + len(tok) + 1]
        if text[at - 1:at] not in (" ", "\t") or after not in (" ", "\t",
                                                               "\n"):
            self.fail(f"spaces needed on both sides of '{tok}' (checkpatch: "
                      "SPACING)")

    def unspaced(self):
        """A unary operator: nothing between it and its operand."""
        _, tok, at = self.peek()
        if self.text[at + len(tok):at + len(tok) + 1] in (" ", "\t", "\n"):
            self.fail(f"space after the unary '{tok}' (checkpatch: SPACING)")

    def unary(self):
        kind, tok, _ = self.peek()
        if kind == "op" and tok in _PREFIX:
            self.unspaced()
            self.next()
            self.nest(1)
            self.unary()
            self.nest(-1)
            return "inc" if tok in ("++", "--") else "value"
        if tok in ("sizeof", "alignof", "_Alignof", "__alignof__"):
            self.next()
            if self.tok() == "(" and self.type_starts(1):
                self.next()
                self.type_name()
                self.expect(")")
            else:
                self.unary()
            return "value"
        if tok == "(" and self.type_starts(1):
            void = self.tok(1) == "void" and self.tok(2) == ")"
            self.next()
            self.type_name()
            self.expect(")", " after a type in a cast")
            if self.tok() == "{":
                self.initializer()
            else:
                self.unary()
            what = self.postfix()
            return "void" if void and what == "value" else what
        self.primary()
        return self.postfix()

    def primary(self):
        kind, tok, _ = self.peek()
        if kind in ("num", "str"):
            self.next()
            while kind == "str" and self.peek()[0] == "str":
                self.next()
            return
        if tok == "(":
            self.next()
            self.nest(1)
            self.expression()
            self.expect(")")
            self.nest(-1)
            # (size_t)x: a cast to a type named by one plain name.
            if self._cast_by_name():
                self.unary()
            return
        if kind == "word" and (self.is_word() or tok in ("typeof",
                                                         "__typeof__")):
            self.next()
            return
        if kind == "word" and tok in _TYPE_WORDS:
            self.fail(f"'{tok}' starts a declaration or a type; a type goes "
                      "only in a cast, sizeof or a macro argument")
        self.unexpected("a value")

    def _cast_by_name(self):
        """After '(' name ')': whether a value follows, making it a cast."""
        if self.i < 3 or self.peek(-3)[1] != "(" or \
                self.peek(-2)[0] != "word" or self.peek(-1)[1] != ")":
            return False
        kind, tok, at = self.peek()
        if tok in ("-", "+", "&", "*", "~", "!") and \
                self.text[at - 1:at] == ")" and \
                self.text[at + 1:at + 2] not in ("", " ", "\t", "\n"):
            return True                     # (size_t)-1, (u8 *)&x
        return kind in ("word", "num", "str") and tok not in _TYPE_WORDS \
            and tok not in _STATEMENT_WORDS or tok == "("

    def postfix(self):
        what = "value"
        while True:
            kind, tok, at = self.peek()
            if kind != "op":
                return what
            if tok == "(":
                if self.text[at - 1:at] in (" ", "\t", "\n"):
                    self.fail("space between a function and its '(' "
                              "(checkpatch: SPACING)")
                callee = self.peek(-1)[1]
                self.next()
                self.arguments()
                self.expect(")", " to close the call")
                what = "value" if callee in _NO_CALL else "call"
            elif tok == "[":
                self.next()
                self.expression()
                self.expect("]")
                what = "value"
            elif tok in (".", "->"):
                self.next()
                if self.peek()[0] != "word" or self.peek()[1] in _NEVER:
                    self.unexpected(f"a member name after '{tok}'")
                self.next()
                what = "value"
            elif tok in ("++", "--"):
                self.next()
                what = "inc"
            else:
                return what

    def arguments(self):
        if self.tok() == ")":
            return
        while True:
            if self.type_starts():
                self.type_name()
            else:
                self.assignment()
            if self.tok() != ",":
                return
            self.next()

    def initializer(self):
        self.expect("{")
        while self.tok() != "}":
            if self.tok() in (".", "["):
                while self.tok() in (".", "["):
                    if self.next()[1] == ".":
                        if not self.is_word():
                            self.unexpected("a member name after '.'")
                        self.next()
                    else:
                        self.conditional()
                        self.expect("]")
                self.expect("=", " after a designator")
            if self.tok() == "{":
                self.initializer()
            else:
                self.assignment()
            if self.tok() != ",":
                break
            self.next()
        self.expect("}")

    # -- statements --

    def statements(self, until=None):
        while self.peek()[0] != "end" and self.tok() != until:
            self.statement()

    def paren(self, what):
        self.expect("(", f" after '{what}'")
        self.expression()
        self.expect(")", f" to close the condition of '{what}'")

    def statement(self):
        self.nest(1)
        self._statement()
        self.nest(-1)

    def _statement(self):
        kind, tok, _ = self.peek()
        if tok == "{":
            self.next()
            self.nest(1)
            self.statements("}")
            self.expect("}")
            self.nest(-1)
            return
        if tok == ";" and kind == "op":
            self.fail("an empty statement (a ';' alone)")
        if kind == "word" and tok in _STATEMENT_WORDS:
            return getattr(self, "stmt_" + tok)()
        if kind == "word" and tok in _NEVER:
            self.fail(f"'{tok}' has no place in C from a spec")
        if kind == "word" and tok in _TYPE_WORDS or self._declaration():
            self.fail("a declaration in C from a spec: declare locals under "
                      "'locals:' (constructors, transitions) or in "
                      "kunit.fixture, so the blank line checkpatch wants "
                      "after declarations is where it belongs")
        if self.is_word() and self.tok(1) == ":":
            self.fail("a label in C from a spec (goto and labels are not "
                      "allowed)")
        if self.is_word() and _LOOP_MACRO.fullmatch(tok) and \
                self.tok(1) == "(":
            self.next()
            self.next()
            self.arguments()
            self.expect(")", " to close the call")
            if self.tok() != ";":
                self.statement()
                return
        else:
            start = self.i
            what = self.expression()
            if self.tok() != ";":
                self.unexpected("';' (the end of the statement)")
            if what == "value":
                self.fail("a statement that does nothing with the value it "
                          "computes (gcc: -Wunused-value); a statement must "
                          "assign, call, increment or cast to (void)",
                          start - self.i)
        if self.tok() != ";":
            self.unexpected("';' (the end of the statement)")
        self.next()

    def _declaration(self):
        """'name name' or 'name *name' then ';', '=', '[' or ',': a
        declaration (of a variable whose type is a typedef name)."""
        if not self.is_word():
            return False
        j = 1
        while self.tok(j) == "*":
            j += 1
        return self.is_word(j) and self.tok(j + 1) in (";", "=", "[", ",")

    def stmt_if(self):
        self.next()
        self.paren("if")
        self.statement()
        if self.tok() == "else":
            self.next()
            self.statement()

    def stmt_else(self):
        self.fail("'else' without an 'if' before it")

    def stmt_while(self):
        self.next()
        self.paren("while")
        self.statement()

    def stmt_for(self):
        self.next()
        self.expect("(", " after 'for'")
        for end in (";", ";", ")"):
            if self.tok() != end:
                self.expression()
            self.expect(end, " in the header of 'for'")
        self.statement()

    def stmt_do(self):
        self.next()
        self.statement()
        self.expect("while", " after the body of 'do'")
        self.paren("while")
        self.expect(";")

    def stmt_switch(self):
        self.next()
        self.paren("switch")
        self.switches += 1
        self.statement()
        self.switches -= 1

    def stmt_case(self):
        if not self.switches:
            self.fail("'case' outside a switch")
        self.next()
        self.conditional()
        self.expect(":", " after the case value")

    def stmt_default(self):
        if not self.switches:
            self.fail("'default' outside a switch")
        self.next()
        self.expect(":", " after 'default'")

    def stmt_return(self):
        if self.returns == "void" and self.tok(1) != ";":
            self.fail("'return' with a value in a function that returns "
                      "nothing (this C goes into a void function)")
        if self.returns == "value" and self.tok(1) == ";":
            self.fail("'return' without a value in a function that returns "
                      "one (this C goes into a function that returns a "
                      "handle or an int)")
        self.next()
        if self.tok() != ";":
            self.expression()
        self.expect(";")

    def stmt_break(self):
        self.next()
        self.expect(";")

    stmt_continue = stmt_break

    def stmt_goto(self):
        self.fail("'goto' in C from a spec: the label it jumps to is not "
                  "the spec's to place")


def _glued(text):
    """A placeholder with a name character right before or after it:
    '${body}__x' would be the name body__x, not the storage pointer."""
    m = re.search(r"\w\$\{(?:body|raw)\}|\$\{(?:body|raw)\}\w", text)
    return m.start() if m else None


def _placeholders(text):
    # ${body} and ${raw} become C names of the same length.
    return re.sub(r"\$\{(body|raw)\}", lambda m: "p" * len(m.group()), text)


def problem(text, shape, returns=None):
    """(index, problem) for the first place where ``text`` is not C of the
    given shape ("statements", "expr", "expand"), or None.  ``returns``:
    what a 'return' in the statements must give, "value" or "void"."""
    at = _glued(text)
    if at is not None:
        return at, ("a placeholder glued to a name ('${body}x'): it would "
                    "make another name; separate them")
    # checkpatch's USE_NEGATIVE_ERRNO: 'return EIO;', 'return (EIO);', and
    # an expression the header returns whole ('expr' of an operation).
    m = re.search(r"\breturn(?:\s*\(+\s*|\s+)(\w+)(?:\s*\)+\s*|\s*)[;:,]",
                  text) if shape == "statements" else \
        re.fullmatch(r"\s*\(*\s*(\w+)\s*\)*\s*", text)
    if m and _ERRNO.fullmatch(m.group(1)):
        return m.start(1), (f"an errno is negative: write -{m.group(1)} "
                            "(checkpatch: USE_NEGATIVE_ERRNO)")
    try:
        p = _Parser(_placeholders(text))
        p.returns = returns
        if shape == "statements":
            p.statements()
        elif shape == "expand":
            if p.tok() in ("for", "while"):
                loop = p.tok()
                p.next()
                if loop == "while":
                    p.paren("while")
                else:
                    p.expect("(", " after 'for'")
                    for end in (";", ";", ")"):
                        if p.tok() != end:
                            p.expression()
                        p.expect(end, " in the header of 'for'")
            else:
                if not p.is_word() or p.tok(1) != "(":
                    p.unexpected("a loop header or a macro call")
                p.next()
                p.next()
                p.arguments()
                p.expect(")", " to close the call")
        else:
            p.expression()
        if p.peek()[0] != "end":
            p.unexpected("the end of the snippet")
    except Bad as e:
        return e.at, e.problem
    except RecursionError:
        return 0, "C nested too deeply"
    return None
