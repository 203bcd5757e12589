"""Look-alike usernames: one skeleton per username (pure; no Django)."""

import unicodedata

from disarm import skeleton_key


def normalise_username(username: str) -> str:
    """NFKC, as Django's own `normalize_username`: compatibility forms (full-width letters,
    ligatures) become the plain letters they stand for."""
    return unicodedata.normalize("NFKC", username)


# The one mapping from a Latin letter to a sequence in Unicode's confusables.txt (UTS #39) that
# disarm's key leaves out: `006D ; 0072 006E` (m -> rn).
_SEQUENCES = {"m": "rn"}


def username_skeleton(username: str) -> str:
    """The username's UTS #39 skeleton (`disarm.skeleton_key`, after NFKC): case folded, look-alike
    letters and digits (Cyrillic and Latin a, l and 1, O and 0) mapped to one prototype, invisible
    characters removed, and m written as rn as confusables.txt maps it. Two usernames with the same
    skeleton look alike: Safeguard holds at most one."""
    key = skeleton_key(normalise_username(username), digit_policy="tr39")
    for letter, sequence in _SEQUENCES.items():
        key = key.replace(letter, sequence)
    return key
