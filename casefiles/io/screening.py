"""Metadata only: refuse anything in an import that looks like a file, an image or encoded data.

Safeguard never receives imagery. Media is recognised by `safeguard.metadata` (shared with the request
middleware); on top of that an import refuses any long unbroken base64 run, because a case file is
typed or exported text and nothing in it is legitimately an encoded file.
"""

import re

from safeguard.metadata import ENCODED_BINARY, looks_like_media, recognise

DATA_URI = "A data: URI is not allowed: Safeguard stores metadata only, never files."
IMAGE_DATA = "This looks like {kind} data: Safeguard stores metadata only, never imagery, video or files."
ENCODED_BLOB = "This looks like an encoded file (a long base64 string): Safeguard stores metadata only."

# 200 or more characters of the base64 alphabets with no space: no summary, address or note looks like it.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{200,}={0,2}")


def _as_bytes(value: str) -> bytes:
    """The bytes a string stands for: \\u00ff escapes of raw bytes map back one to one."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8", errors="replace")


_IMAGE_DATA_KIND = re.compile(re.escape(IMAGE_DATA).replace(re.escape("{kind}"), "(?P<kind>.+)"))


def refused_kind(message: str) -> str | None:
    """What kind of thing a screening problem refused (for its audit entry), or None when `message`
    is not one of this module's refusals."""
    if message == DATA_URI:
        return "data: URI"
    if message == ENCODED_BLOB:
        return "encoded file"
    found = _IMAGE_DATA_KIND.fullmatch(message)
    return found.group("kind") if found else None


def raw_line_problem(raw: bytes) -> str | None:
    """A line that is itself image or video bytes (a file pasted or concatenated into the case file)."""
    kind = looks_like_media(raw)
    return IMAGE_DATA.format(kind=kind) if kind else None


def string_problem(value: str) -> str | None:
    """Why this JSON string may not be imported, or None."""
    kind = recognise(_as_bytes(value)) or (recognise(value) if not value.isascii() else None)
    if kind == "data: URI":
        return DATA_URI
    if kind == ENCODED_BINARY or (kind is None and _BASE64_RUN.search(value)):
        return ENCODED_BLOB
    if kind:
        return IMAGE_DATA.format(kind=kind)
    return None
