# SPDX-License-Identifier: GPL-2.0
"""The one error type a user can cause, reported as file:line:col."""


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
        return f"{self.path}:{self.line}:{self.col}: error: " + \
            _printable(self.message)


def _printable(text):
    """One printable line: control characters as escapes."""
    out = []
    for ch in text:
        if ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7f:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)
