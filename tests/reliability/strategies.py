"""What people (and things pretending to be people) type into forms: Hypothesis strategies."""

from datetime import datetime

from hypothesis import strategies as st

# Any text a browser can send (no lone surrogates: they cannot be encoded in a request).
TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300)
# Control characters, terminal escapes, line and paragraph separators, the NUL byte.
CONTROL = st.lists(
    st.sampled_from(["\x00", "\r", "\n", "\r\n", "\x1b[2J", "\x1b]0;x\x07", "\x7f", "\x85", "\u2028", "\u202e", "\t"])
    | st.characters(max_codepoint=0x1F),
    max_size=12,
).map("".join)
NUMBERS = (
    st.integers(min_value=-(10**40), max_value=10**40).map(str)
    | st.floats().map(str)
    | st.sampled_from(
        ["1e999", "-0", "0x1F", "\u0661\u0662", "\uff11\uff12", "2147483648", "9223372036854775808", " 7 ", "+3"]
    )
)
ODD_DATES = (
    st.sampled_from(
        [
            "0001-01-01T00:00",
            "9999-12-31T23:59",
            "2026-02-30T10:00",
            "2026-03-29T01:30",  # does not exist in London (clocks go forward)
            "2026-10-25T01:30",  # happens twice in London (clocks go back)
            "2026-13-01T00:00",
            "2026-11-23",
            "23/11/2026 14:05",
            "2026-11-23T24:00",
            "-2026-11-23T14:05",
            "10000-01-01T00:00",
        ]
    )
    | st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)).map(
        lambda moment: moment.isoformat()[:16]
    )
)
LONG = st.integers(min_value=41, max_value=12_000).map(lambda n: "A" * n)


def field_values(options: list[str]) -> st.SearchStrategy[str]:
    """A value for one field: one of its own options sometimes, otherwise anything."""
    anything = st.one_of(st.just(""), TEXT, CONTROL, NUMBERS, ODD_DATES, LONG)
    if options:
        return st.one_of(st.sampled_from(options), st.sampled_from(options), anything)
    return anything
