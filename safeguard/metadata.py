"""Metadata only: recognise imagery, video, archives and embedded files in what Safeguard is sent.

Safeguard never stores, receives or displays imagery or video. `recognise` is the one recogniser:
the request middleware (`cases.middleware`: every form field, query parameter, JSON value and
header) and the importer (`casefiles.io.screening`) both call it, so a file can reach Safeguard by no
route. It finds a file by its leading bytes (file signatures) however the value spells them:

- as raw bytes, after a byte-order mark or a leading byte or two;
- percent-encoded, once or repeatedly;
- as base64 (standard or URL-safe) broken by spaces, line breaks or punctuation, or shifted by a
  stray leading character;
- as hex (`ffd8ff...`, `ff d8 ff`, `\xff\xd8`, `0xff, 0xd8`);
- as a `data:` URI, found after Unicode normalisation (NFKC, look-alike letters folded to their
  UTS #39 skeleton, invisible characters removed: `disarm.skeleton_key`);
- as an archive or document that can hold images (ZIP and its kin, PDF, RAR, 7z, gzip, tar...),
  refused whatever it holds: no case file or form has a use for one.

Free text longer than `BINARY_TEXT_THRESHOLD` characters that is base64 or hex of binary data (not
text) is refused too, whatever its first bytes. Signatures are matched at the start of the data
only (a file named in the middle of a note is not an upload), and each is strict enough that
ordinary case notes and references do not match.
"""

import base64
import binascii
import re
from collections.abc import Callable, Iterator
from urllib.parse import unquote_to_bytes

from disarm import skeleton_key

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
    # Containers that can carry images: refused whatever they hold.
    ("ZIP archive", lambda d: d.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"))),
    ("PDF document", lambda d: d.startswith(b"%PDF-")),
    ("RAR archive", lambda d: d.startswith(b"Rar!\x1a\x07")),
    ("7-Zip archive", lambda d: d.startswith(b"7z\xbc\xaf\x27\x1c")),
    ("gzip archive", lambda d: d.startswith(b"\x1f\x8b\x08")),
    ("bzip2 archive", lambda d: d.startswith(b"BZh") and d[4:10] == b"1AY&SY"),
    ("xz archive", lambda d: d.startswith(b"\xfd7zXZ\x00")),
    ("Zstandard archive", lambda d: d.startswith(b"\x28\xb5\x2f\xfd")),
    ("Cabinet archive", lambda d: d.startswith(b"MSCF\x00\x00\x00\x00")),
    ("tar archive", lambda d: d[257:262] == b"ustar"),
]
# Signatures too short to look for past the first byte: at an offset, chance alone would match them.
_START_ONLY = frozenset({"JPEG XL image", "Icon image", "tar archive"})
# A value may lead with a byte-order mark (removed) or up to this many stray bytes (looked past).
_LEADING_BYTES = 3
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")

# Free text at least this long that is base64 or hex of binary data is refused, whatever it starts with.
BINARY_TEXT_THRESHOLD = 256
ENCODED_BINARY = "encoded binary data"
_BASE64_ALPHABET = re.compile(rb"[A-Za-z0-9+/_\-]")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/_\-]+")
_HEX_SEPARATORS = re.compile(rb"(?:0x|\\x|[\s:,;.\-])+", re.IGNORECASE)
_HEX = re.compile(rb"^[0-9a-fA-F]+$")
_PERCENT = re.compile(rb"%[0-9a-fA-F]{2}")
# Hash lists (a case's known-image hashes) are hex tokens of these lengths, one per line or comma.
_HASH_HEX_LENGTHS = frozenset({32, 40, 64, 128})
_LIST_SEPARATORS = re.compile(rb"[\s,;]+")
_PERCENT_ROUNDS = 4
# Enough of a value to cover every signature (the tar header's is at 257), in any spelling.
_HEAD_BYTES = 1024

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
    """The kind of image, video or archive `data` starts with (e.g. "JPEG image"), or None.

    Also recognises it after a byte-order mark or a stray leading byte, and as base64 text.
    """
    found = _signature_near_start(data)
    if found:
        return found
    for decoded in _base64_heads(data):
        found = _signature_near_start(decoded)
        if found:
            return f"{found} (base64)"
    return None


def find_data_uri(value: str) -> bool:
    """Whether `value` contains a `data:` URI, such as `data:image/png;base64,...`, however its
    letters are spelled (full-width, look-alike, with invisible characters between them)."""
    return bool(_DATA_URI.search(value)) or bool(_DATA_URI.search(skeleton_key(value)))


def recognise(value: bytes | str) -> str | None:
    """What image, video, archive or encoded binary `value` carries, however it is spelled, or None.

    `value` is the raw bytes as sent (or a string, read as UTF-8). Returns a short description such
    as "PNG image (base64)", "data: URI" or "encoded binary data".
    """
    data = value.encode("utf-8", errors="surrogatepass") if isinstance(value, str) else value
    for layer in _percent_layers(data):
        found = _recognise_layer(layer)
        if found:
            return found
    return None


def refusal_for_value(value: bytes) -> str | None:
    """Why a submitted value may not be accepted, or None. `value` is the raw (decoded) bytes."""
    return recognise(value)


def _percent_layers(data: bytes) -> Iterator[bytes]:
    """The value, then the value percent-decoded, again and again while anything is left to decode."""
    yield data
    for _ in range(_PERCENT_ROUNDS):
        if not _PERCENT.search(data):
            return
        data = unquote_to_bytes(data)
        yield data


def _recognise_layer(data: bytes) -> str | None:
    found = looks_like_media(data)
    if found:
        return found
    text = data.decode("utf-8", errors="replace")
    if find_data_uri(text):
        return "data: URI"
    for decoded, spelling in ((_hex(data), "hex"), (_base64_loose(data), "base64")):
        if decoded is None:
            continue
        found = _signature_near_start(decoded)
        if found:
            return f"{found} ({spelling})"
    if len(text) >= BINARY_TEXT_THRESHOLD and _encodes_binary(data):
        return ENCODED_BINARY
    return None


def _signature_near_start(data: bytes) -> str | None:
    """A signature at the start, after a byte-order mark, or after a stray byte or two."""
    for bom in _BOMS:
        if data.startswith(bom):
            data = data[len(bom) :]
            break
    found = _signature(data)
    if found:
        return found
    for skip in range(1, _LEADING_BYTES + 1):
        found = _signature(data[skip:])
        if found and found not in _START_ONLY:
            return found
    return None


def _base64_heads(data: bytes) -> Iterator[bytes]:
    decoded = _base64_prefix(data)
    if decoded is not None:
        yield decoded


def _base64_loose(data: bytes) -> bytes | None:
    """Base64 read past anything that is not its alphabet (spaces, line breaks, punctuation), and
    past a stray leading character: the first decoding, of four alignments, that has a signature."""
    compact = _NOT_BASE64.sub(b"", data[: _HEAD_BYTES * 2])
    if len(compact) < _BASE64_MIN_CHARS:
        return None
    for shift in range(4):
        decoded = _b64(compact[shift : shift + _HEAD_BYTES])
        if decoded is not None and _signature_near_start(decoded):
            return decoded
    return None


def _b64(compact: bytes) -> bytes | None:
    return _b64_whole_quanta(compact.rstrip(b"="))


def _b64_whole_quanta(compact: bytes) -> bytes | None:
    """Decode the whole 4-character groups of unpadded base64 (either alphabet); None if not base64."""
    compact = compact[: len(compact) - len(compact) % 4]
    altchars = b"-_" if (b"-" in compact or b"_" in compact) else None
    try:
        return base64.b64decode(compact, altchars=altchars, validate=True)
    except (binascii.Error, ValueError):
        return None


def _hex(data: bytes) -> bytes | None:
    """Hex digits, with or without separators (spaces, colons, `0x`, `\\x`), as bytes."""
    compact = _HEX_SEPARATORS.sub(b"", data.strip()[: _HEAD_BYTES * 4])
    if len(compact) < 8 or not _HEX.match(compact):
        return None
    compact = compact[: len(compact) - len(compact) % 2]
    return bytes.fromhex(compact.decode("ascii"))


def _encodes_binary(data: bytes) -> bool:
    """Whether long text is base64 or hex of binary data: nearly all of it the encoding's alphabet,
    letters of both cases and digits mixed as no prose mixes them, and decoding to bytes that are
    not text."""
    visible = b"".join(data.split())
    if not visible:
        return False
    tokens = [token for token in _LIST_SEPARATORS.split(data) if token]
    if all(len(token) in _HASH_HEX_LENGTHS and _HEX.match(token) for token in tokens):
        return False  # a list of file hashes (MD5, SHA-1, SHA-256, SHA-512): metadata, not a file
    hexed = _HEX_SEPARATORS.sub(b"", visible)
    if len(hexed) >= BINARY_TEXT_THRESHOLD // 2 and _HEX.match(hexed) and _mixed_hex(hexed):
        return _binary(bytes.fromhex(hexed[: len(hexed) - len(hexed) % 2].decode("ascii")))
    alphabet = _BASE64_ALPHABET.findall(visible)
    if len(alphabet) < 0.9 * len(visible):
        return False
    compact = b"".join(alphabet)
    lower = sum(1 for c in compact if 97 <= c <= 122) / len(compact)
    upper = sum(1 for c in compact if 65 <= c <= 90) / len(compact)
    digits = sum(1 for c in compact if 48 <= c <= 57) / len(compact)
    if lower < 0.15 or upper < 0.15 or digits < 0.04:
        return False
    decoded = _b64(compact)
    return decoded is not None and _binary(decoded)


def _mixed_hex(hexed: bytes) -> bool:
    """Hex of binary data mixes digits and letters; a run of one letter (AAAA...) is not hex."""
    digits = sum(1 for c in hexed if 48 <= c <= 57)
    return 0.1 * len(hexed) <= digits <= 0.9 * len(hexed)


def _binary(decoded: bytes) -> bool:
    """Bytes that are not text: a quarter or more outside printable ASCII and whitespace, and not UTF-8."""
    if not decoded:
        return False
    try:
        decoded.decode("utf-8")
        return False
    except UnicodeDecodeError:
        pass
    unusual = sum(1 for b in decoded if not (32 <= b < 127 or b in (9, 10, 13)))
    return unusual >= len(decoded) / 4


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
    return _b64_whole_quanta(b"".join(head.split()).rstrip(b"=")[:_BASE64_PREFIX_CHARS])
