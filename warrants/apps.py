from django.apps import AppConfig


class WarrantsConfig(AppConfig):
    name = "warrants"
    verbose_name = "Search warrants"

    def ready(self) -> None:
        """Give cases, the lower layer, the parts of a case's file that are warrants."""
        from cases.corrections import register_record_type
        from cases.records import register_sets
        from cases.services.closure import register_closure_part
        from cases.services.identifiers import register_indexed
        from cases.services.notifications import register_expiry
        from cases.services.search import register_search_warrants
        from warrants.corrections import FURTHER_ENTRY, WARRANT
        from warrants.models import Warrant
        from warrants.records import WARRANT_SETS
        from warrants.services import (
            warrant_check_search,
            warrant_events,
            warrant_identifiers,
            warrants_check_closure,
            warrants_mark_expired,
            warrants_searchable,
        )

        register_expiry("warrants", warrants_mark_expired)
        register_closure_part(check=warrants_check_closure, events=warrant_events)
        register_sets(*WARRANT_SETS)
        register_search_warrants(choices=warrants_searchable, check=warrant_check_search)
        register_indexed(Warrant, warrant_identifiers)
        register_record_type(WARRANT)
        register_record_type(FURTHER_ENTRY)
