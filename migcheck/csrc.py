# SPDX-License-Identifier: GPL-2.0
"""Just enough of C, as the kernel writes it, for the migration's checks.

A function is a header followed by a body whose braces stand alone at
column 0 (kernel style); a statement is split at ';', '{' and '}' outside
parentheses.  Comments and string contents are blanked first, keeping
every offset, so line numbers stay true.  Nothing here knows a resource.
"""

import re

IDENT = re.compile(r"[A-Za-z_]\w*")
TOKEN = re.compile(r"->|\+\+|--|&&|\|\||[<>=!]=|<<|>>|[A-Za-z_]\w*|\d\w*|\S")
TYPE_WORDS = ("int long short char bool void unsigned signed size_t ssize_t "
              "u8 u16 u32 u64 s8 s16 s32 s64 __le16 __le32 __le64 __be16 "
              "__be32 __be64 gfp_t dma_addr_t phys_addr_t resource_size_t "
              "uint8_t uint16_t uint32_t uint64_t").split()
# A declarator after its type: the type's last word, stars, the name.
DECL = re.compile(r"(?:\b(?:struct|union|enum)\s+(?P<tag>\w+)|\b(?P<word>"
                  + "|".join(TYPE_WORDS) + r"|\w+_t))\b[\s*]*(?:const\s+)?"
                  r"(?P<name>[A-Za-z_]\w*)\s*(?=[=;,)\[])")


def blank(text):
    """``text`` with comments, preprocessor lines and the contents of
    strings and character literals replaced by spaces (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c == "#" and (i == 0 or text[i - 1] == "\n"):
            # A preprocessor line, with its continuations.
            j = i
            while True:
                k = text.find("\n", j)
                if k < 0:
                    k = n
                    break
                if text[k - 1] != "\\":
                    break
                j = k + 1
            out.append(re.sub(r"[^\n]", " ", text[i:k]))
            i = k
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + text[j - 1])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


class Function:
    """One function definition: its name, header (return type, name,
    parameters), body, and the offset of the body's '{' in the file."""

    def __init__(self, name, header, body, offset):
        self.name = name
        self.header = header
        self.body = body
        self.offset = offset
        self._vars = None

    def statements(self):
        """[(statement text with spaces collapsed, offset in the file)];
        a label is a statement of its own."""
        out = []
        depth = 0
        start = 1
        body = self.body
        label = re.compile(r"\s*(?!case\b|default\b)[A-Za-z_]\w*\s*:(?![:=])")
        for i, c in enumerate(body):
            if c == "(" or c == "[":
                depth += 1
            elif c == ")" or c == "]":
                depth -= 1
            elif depth <= 0 and c in ";{}":
                m = label.match(body, start, i)
                while m:
                    out.append((" ".join(m.group(0).split()),
                                self.offset + m.start() + len(m.group(0))
                                - len(m.group(0).lstrip())))
                    start = m.end()
                    m = label.match(body, start, i)
                text = " ".join(body[start:i + 1].split())
                if text not in ("", ";", "{", "}"):
                    lead = len(body[start:i]) - len(body[start:i].lstrip())
                    out.append((text, self.offset + start + lead))
                start = i + 1
                depth = 0
        return out

    def variables(self):
        """{name: struct tag or None} of the parameters and locals."""
        if self._vars is None:
            self._vars = {}
            for m in DECL.finditer(self.header + "\n" + self.body):
                self._vars.setdefault(m.group("name"), m.group("tag"))
            for kw in ("return", "sizeof", "if", "while", "for", "else"):
                self._vars.pop(kw, None)
        return self._vars

    def assignments(self, name):
        """The values stored into local ``name`` (a declaration's
        initialiser included), or None where it is changed otherwise (its
        address taken, ++, --, a compound assignment)."""
        body = self.header + "\n" + self.body
        if re.search(r"&\s*" + name + r"\b(?!\s*(?:->|\.|\[))", body) or \
                re.search(r"(?<![\w.>])" + name + r"\s*(?:\+\+|--|[-+*/|&^%]=|<<=|>>=)", body) or \
                re.search(r"(?:\+\+|--)\s*" + name + r"\b", body):
            return None
        out = []
        for text, _ in self.statements():
            for m in re.finditer(r"(?<![\w.>])" + name + r"\s*=(?!=)", text):
                out.append(value_at(text, m.end()))
        return out


def value_at(text, start):
    """The expression that starts at ``start`` and ends at a ',' or ';'
    or ')' outside parentheses."""
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            if depth == 0:
                return text[start:i].strip()
            depth -= 1
        elif c in ",;" and depth == 0:
            return text[start:i].strip()
    return text[start:].strip()


def functions(text):
    """The function definitions of blanked C ``text``, by name (a name
    defined twice keeps its first)."""
    out = {}
    for m in re.finditer(r"^\{[ \t]*$", text, re.M):
        end = re.compile(r"^\}", re.M).search(text, m.end())
        if not end:
            continue
        # The header: the lines above the brace back to a blank line, a
        # preprocessor line, or the end of the previous item.
        lines = text[:m.start()].split("\n")[:-1]
        while lines and not lines[-1].strip():
            lines.pop()
        head = []
        for ln in reversed(lines):
            s = ln.strip()
            if not s or s.startswith("#") or s.endswith((";", "}")):
                break
            head.insert(0, ln)
        header = "\n".join(head)
        nm = re.search(r"([A-Za-z_]\w*)\s*\(", header)
        if not nm:
            continue
        out.setdefault(nm.group(1), Function(nm.group(1), header,
                                             text[m.start():end.end()],
                                             m.start()))
    return out


def calls(text, names):
    """[(name, [argument texts], offset)] of the calls in ``text`` to a
    function in ``names``."""
    out = []
    if not names:
        return out
    pat = re.compile(r"(?<![\w.>])(" + "|".join(map(re.escape, names))
                     + r")\s*\(")
    for m in pat.finditer(text):
        args, depth, start = [], 0, m.end()
        for i in range(m.end(), len(text)):
            c = text[i]
            if c in "([{":
                depth += 1
            elif c in ")]}":
                if depth == 0:
                    args.append(text[start:i].strip())
                    break
                depth -= 1
            elif c == "," and depth == 0:
                args.append(text[start:i].strip())
                start = i + 1
        else:
            continue
        out.append((m.group(1), [a for a in args if a] if args != [""] else [],
                    m.start()))
    return out


def strip_parens(expr):
    expr = expr.strip()
    while expr.startswith("(") and expr.endswith(")"):
        depth = 0
        for i, c in enumerate(expr):
            depth += c == "("
            depth -= c == ")"
            if depth == 0 and i < len(expr) - 1:
                return expr
        expr = expr[1:-1].strip()
    return expr
