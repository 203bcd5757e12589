"""How Safeguard writes a date or a time for people: the one formatter is `safeguard.formats`, a
shared module that the audit trail's pages use too; kept importable here for the cases' own code."""

from safeguard.formats import (
    DATE_INPUT_FORMATS as DATE_INPUT_FORMATS,
)
from safeguard.formats import (
    DATETIME_INPUT_FORMATS as DATETIME_INPUT_FORMATS,
)
from safeguard.formats import (
    LONDON as LONDON,
)
from safeguard.formats import (
    day as day,
)
from safeguard.formats import (
    when as when,
)
from safeguard.formats import (
    when_seconds as when_seconds,
)
from safeguard.formats import (
    when_utc as when_utc,
)
