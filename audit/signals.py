"""Signals about access, for the audit trail. They carry data only; receivers live in the audit app.

access_denied: someone asked for something they may not have. Sent for a 404 that hides an existing
    record and for every 403. Arguments: user, obj_type (the record's model class, e.g. `Case`, or
    `audit.objects.ObjectType.PAGE` for a page not about one record), obj_id (the case reference or
    the record's id, as a string), action (what was attempted: "view" or a capability such as
    "record_team_cases"), request (or None), exists, case_reference (the case asked for, or "").
access_changed: who may see or record on a case changed. Arguments: actor, user (whose access
    changed), case, change ("grant:<level>", "revoke", "assign_examiner", "reassign_officer_in_case",
    "reassign_supervisor", "restrict", "unrestrict"), and for a reassignment the reason given.
"""

from django.dispatch import Signal

access_denied = Signal()
access_changed = Signal()
