"""A cache of the grouped figures, valid while their facts are unchanged (cases/models/summaries.py,
`FiguresCache`).

Sorting a large force's facts for its medians and 90th percentiles is most of what the figures page
costs (docs/performance.md), yet the answer rarely changes: only when a refresh changes one of the
facts of a force it read (`FigureFactsVersion`, moved on by `cases.services.summaries`), or when
time alone makes an undecided arrest's charging target pass (`valid_until`). Until then, a report
for the same period and forces reads the cached answer instead of the facts (a cache hit). An
entry is valid from the moment it was computed for (`made_at`) to `valid_until`: a report for an
earlier moment (a month-by-month export runs at the moment it was asked for) computes its own.

The versions are read before the facts are: a refresh committed between the two can only make the
cache entry look older than it is, never newer, so it is recomputed rather than read stale.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import connections, router

from cases.models import FigureFactsVersion, FiguresCache

T = TypeVar("T")
# Cache entries computed this long ago are evicted by the summaries' refresh: the default period
# moves on every day, so by then they are of periods no one is likely to ask for again.
KEPT_FOR = timedelta(days=2)


# The versions of the forces read, and the cache entry if it is still valid, in one query.
_READ_SQL = """
SELECT now_versions.versions, kept.value
FROM (
    SELECT coalesce(jsonb_object_agg(force_id::text, version), '{{}}'::jsonb) AS versions
    FROM {versions} WHERE force_id = ANY(%(forces)s)
) AS now_versions
LEFT JOIN {cache} AS kept
    ON kept.key = %(key)s AND kept.versions = now_versions.versions
    AND kept.made_at <= %(now)s AND (kept.valid_until IS NULL OR kept.valid_until > %(now)s)
"""


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def kept(
    parts: dict[str, Any],
    force_ids: list[int],
    *,
    now: datetime,
    make: Callable[[], tuple[T, datetime | None]],
    dump: Callable[[T], Any],
    load: Callable[[Any], T],
) -> T:
    """The answer for `parts` (the query and its parameters) over the facts of `force_ids`: from the
    cache if still valid at `now`, else computed by `make()` (which returns it and when time alone
    will change it) and cached."""
    key = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    sql = _READ_SQL.format(versions=FigureFactsVersion._meta.db_table, cache=FiguresCache._meta.db_table)
    # Where the facts are read (reports.figures), so that the versions are those of the facts read.
    with connections[router.db_for_read(FigureFactsVersion)].cursor() as cursor:
        cursor.execute(sql, {"forces": force_ids, "key": key, "now": now})
        versions, value = cursor.fetchone()
    if value is not None:
        return load(_json(value))
    answer, valid_until = make()
    row = FiguresCache(key=key, versions=_json(versions), valid_until=valid_until, made_at=now, value=dump(answer))
    FiguresCache.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["versions", "valid_until", "made_at", "value"],
    )
    return answer


def forget_unused(*, now: datetime) -> int:
    """Evict cache entries computed longer ago than `KEPT_FOR`."""
    deleted, _ = FiguresCache.objects.filter(made_at__lt=now - KEPT_FOR).delete()
    return deleted
