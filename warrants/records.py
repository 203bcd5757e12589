"""The warrants' part of the records of cases read in one query (`cases.records`): each case's
warrants and their further entry authorities, given to cases at start-up (`WarrantsConfig.ready`)."""

from cases.records import RecordSet, ids_of_case, of_case, rows_of
from warrants.models import FurtherEntryAuthority, Warrant

WARRANT_SETS = (
    of_case("warrants", Warrant, "t.applied_at DESC, t.id DESC"),
    RecordSet(
        "further_entries",
        FurtherEntryAuthority,
        rows_of(FurtherEntryAuthority, "warrant_id", ids_of_case(Warrant)),
        "t.authorised_at, t.id",
        parent="warrants",
        column="warrant_id",
    ),
)
