"""Time-based one-time codes (RFC 6238), as a person's authenticator app computes them.

The load users sign in with two factors like everyone else; the locust process has no Django, so it
computes the code here from the device's secret. tests/load checks it agrees with django-otp.
"""

import hmac
import struct
import time
from hashlib import sha1


def totp_code(key_hex: str, *, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """The code for the secret `key_hex` (as django-otp stores it) at time `at` (now by default)."""
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"
