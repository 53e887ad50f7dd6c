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
        message = self.message.replace("\r", "\\r").replace("\n", "\\n")
        return f"{self.path}:{self.line}:{self.col}: error: {message}"
