"""Metadata only: recognise imagery, video and embedded files in what Safeguard is sent.

Safeguard never stores, receives or displays imagery or video. These pure functions recognise
media by its leading bytes (file signatures), as raw bytes or as base64 text, and `data:` URIs in
text. The request middleware (`cases.middleware`) and the importer both use them, so a file can
reach Safeguard by no route.

Signatures are matched at the start of the data only: a file embedded in the middle of free text is
not an upload. Each check is strict enough (fixed offsets, reserved bytes) that ordinary case notes
and references do not match.
"""

import base64
import binascii
import re
from collections.abc import Callable

# (name, test) pairs; the first that matches names the data.
_SIGNATURES: list[tuple[str, Callable[[bytes], bool]]] = [
    ("JPEG image", lambda d: d.startswith(b"\xff\xd8\xff")),
    ("PNG image", lambda d: d.startswith(b"\x89PNG\r\n\x1a\n")),
    ("GIF image", lambda d: d.startswith((b"GIF87a", b"GIF89a"))),
    ("WebP image", lambda d: d.startswith(b"RIFF") and d[8:12] == b"WEBP"),
    ("AVI video", lambda d: d.startswith(b"RIFF") and d[8:12] == b"AVI "),
    # ISO base media (MP4, MOV, HEIC/HEIF, AVIF, 3GP): a box size then a box type at offset 4.
    ("ISO media (MP4, MOV, HEIC, AVIF)", lambda d: d[:2] == b"\x00\x00" and d[4:8] == b"ftyp"),
    ("QuickTime video", lambda d: d[:2] == b"\x00\x00" and d[4:8] in (b"moov", b"mdat", b"wide")),
    ("Matroska or WebM video", lambda d: d.startswith(b"\x1a\x45\xdf\xa3")),
    # BMP: "BM", file size, then four reserved bytes that are zero.
    ("BMP image", lambda d: len(d) >= 14 and d.startswith(b"BM") and d[6:10] == b"\x00\x00\x00\x00"),
    ("TIFF image", lambda d: d.startswith((b"II*\x00", b"MM\x00*"))),
    ("MPEG program stream video", lambda d: d.startswith((b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3"))),
    # MPEG transport stream: a sync byte at the start of each 188-byte packet.
    ("MPEG transport stream video", lambda d: len(d) > 188 and all(d[i] == 0x47 for i in range(0, len(d), 188))),
    ("Flash video", lambda d: d.startswith(b"FLV\x01")),
    ("Windows Media video", lambda d: d.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11")),
    ("Ogg media", lambda d: d.startswith(b"OggS\x00")),
    ("JPEG 2000 image", lambda d: d.startswith((b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51"))),
    ("JPEG XL image", lambda d: d.startswith((b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n"))),
    ("Photoshop image", lambda d: d.startswith(b"8BPS")),
    ("Icon image", lambda d: len(d) >= 22 and d.startswith(b"\x00\x00\x01\x00") and d[4:6] != b"\x00\x00"),
]

_SVG = re.compile(
    rb"^\s*(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+svg[^>]*>\s*)?<svg[\s>/]",
    re.IGNORECASE | re.DOTALL,
)

# RFC 2397: data:[<mediatype>][;base64],<data>. Whitespace is tolerated where a browser or a
# careless paste might put it. The media type, when given, must be a real top-level type, so that
# prose such as "comms data: resolved, subscriber named" is not taken for a data URI.
_DATA_URI = re.compile(
    r"\bdata\s*:\s*"
    r"(?:(?:image|video|audio|application|text|font|model|multipart|message|x-[a-z0-9.+-]+)\s*/\s*[a-z0-9.+*-]+)?"
    r"\s*(?:;\s*[a-z0-9.+-]+(?:\s*=\s*[^;,\s]+)?\s*)*,",
    re.IGNORECASE,
)

# Base64 as sent: one run of the alphabet, or lines of it (MIME wraps at 76). Never spaces, so
# that prose ("Ryan attended...") is not decoded as base64.
_BASE64_TEXT = re.compile(rb"^[A-Za-z0-9+/_\-]+={0,2}(?:\r?\n[A-Za-z0-9+/_\-]+={0,2})*\s*$")
# Enough base64 to cover every signature above, including the MPEG transport stream's second packet.
_BASE64_PREFIX_CHARS = 1024
_BASE64_MIN_CHARS = 12


def looks_like_media(data: bytes) -> str | None:
    """The kind of image or video `data` starts with (e.g. "JPEG image"), or None if it is neither.

    Also recognises base64 text of such data (with or without line breaks, standard or URL-safe).
    """
    found = _signature(data)
    if found:
        return found
    decoded = _base64_prefix(data)
    if decoded is not None:
        found = _signature(decoded)
        if found:
            return f"{found} (base64)"
    return None


def find_data_uri(value: str) -> bool:
    """Whether `value` contains a `data:` URI, such as `data:image/png;base64,...`."""
    return bool(_DATA_URI.search(value))


def refusal_for_value(value: bytes) -> str | None:
    """Why a submitted value may not be accepted, or None. `value` is the raw (decoded) bytes."""
    if find_data_uri(value.decode("utf-8", errors="replace")):
        return "data: URI"
    kind = looks_like_media(value)
    if kind:
        return kind
    return None


def _signature(data: bytes) -> str | None:
    for name, test in _SIGNATURES:
        if test(data):
            return name
    if _SVG.match(data[:2048]):
        return "SVG image"
    return None


def _base64_prefix(data: bytes) -> bytes | None:
    """Decode the start of `data` if it is base64 text; None if it is not."""
    head = data.strip()
    if len(head) < _BASE64_MIN_CHARS or not _BASE64_TEXT.match(head):
        return None
    compact = b"".join(head.split()).rstrip(b"=")[:_BASE64_PREFIX_CHARS]
    compact = compact[: len(compact) - len(compact) % 4]
    altchars = b"-_" if (b"-" in compact or b"_" in compact) else None
    try:
        return base64.b64decode(compact, altchars=altchars, validate=True)
    except (binascii.Error, ValueError):
        return None
