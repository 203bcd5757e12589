"""Databases made before forces, teams and people moved from the cases app to this one.

Other apps' migrations that point at AUTH_USER_MODEL (admin, django-guardian, django-otp, audit)
depend on the first migration of the app that holds it. In such a database they are applied and
accounts 0001 is not, which Django refuses as an inconsistent history before it migrates anything.
accounts 0001 changes only Django's record of the models (their tables were made by the cases app's
migrations and stay), so once the cases app's migrations that made those tables are applied it is
true already: `people_move_record` records it, and `manage.py migrate` calls it first.
"""

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder

PEOPLE_MADE_IN_CASES = ("cases", "0023_username_skeleton_m_as_rn")
PEOPLE_FROM_CASES = ("accounts", "0001_people_from_cases")


def people_move_record(connection: BaseDatabaseWrapper) -> bool:
    """Record accounts 0001 as applied where the cases app's people tables exist; idempotent.
    True if it recorded it now."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return False  # a new database: accounts 0001 runs in its turn
    applied = recorder.applied_migrations()
    if PEOPLE_FROM_CASES in applied or PEOPLE_MADE_IN_CASES not in applied:
        return False
    recorder.record_applied(*PEOPLE_FROM_CASES)
    return True
