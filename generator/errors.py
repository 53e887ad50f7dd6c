# SPDX-License-Identifier: GPL-2.0
"""The one error type a user can cause, reported as file:line:col."""

import re


class SpecError(Exception):
    """A mistake in a spec, located in its file.

    ``line`` and ``col`` are 1-based, as compilers print them.
    """

    def __init__(self, path, line, col, message):
        super().__init__(message)
        self.path = path
        self.line = line
        self.col = col
        self.message = message

    def __str__(self):
        return f"{_printable(str(self.path))}:{self.line}:{self.col}: " \
            "error: " + _printable(_shorten(self.message))


# A value quoted in a message is cut to this many characters.
QUOTE_MAX = 60
MESSAGE_MAX = 1000


def _shorten(text):
    """Values quoted in ``text`` ('...') cut at QUOTE_MAX characters with
    an ellipsis, and the whole message at MESSAGE_MAX."""
    def cut(m):
        inner = m.group(1)
        if len(inner) > QUOTE_MAX:
            inner = inner[:QUOTE_MAX] + "..."
        return "'" + inner + "'"
    text = _QUOTED.sub(cut, text)
    if len(text) > MESSAGE_MAX:
        text = text[:MESSAGE_MAX] + "..."
    return text


# A quote that opens a value follows no letter (unlike the one in "spec's").
_QUOTED = re.compile(r"(?<!\w)'(.*?)'(?!\w)", re.S)


def _printable(text):
    """One printable line: control, format and separator characters as
    escapes."""
    out = []
    for ch in text:
        if ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7f:
            out.append(f"\\x{ord(ch):02x}")
        elif ch != " " and not ch.isprintable():
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000
                       else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    return "".join(out)
