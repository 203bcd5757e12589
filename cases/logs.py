"""Log lines that cannot be forged: each record is one line, whatever the values in it.

Values that reach the log come from requests (paths, user agents, usernames that axes reports), and
any of them can carry a carriage return, a line feed or a terminal escape. Written as they are, they
would start a line that looks like a record of its own, or rewrite what a terminal shows. The
formatter escapes every control character (and the Unicode line and paragraph separators) in the
finished record, tracebacks included, so one record is always exactly one line.
"""

import logging

# C0 controls but tab, DEL, C1 controls (NEL among them), and the Unicode line and paragraph separators.
_CONTROLS = [*range(0x00, 0x09), *range(0x0A, 0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029]
_ESCAPES = {code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" for code in _CONTROLS}
_ESCAPES |= {ord("\n"): "\\n", ord("\r"): "\\r"}


def escape_controls(text: str) -> str:
    """`text` with every control character written as an escape (`\\n`, `\\r`, `\\x1b`...)."""
    return text.translate(_ESCAPES)


class SingleLineFormatter(logging.Formatter):
    """The standard formatter, with the finished record (message, exception, stack) kept on one line."""

    def format(self, record: logging.LogRecord) -> str:
        return escape_controls(super().format(record))
