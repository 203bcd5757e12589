from django.urls import path

from cases.views import access as access_views
from cases.views import case as case_views
from cases.views import charging as charging_views
from cases.views import closure as closure_views
from cases.views import court as court_views
from cases.views import custody as custody_views
from cases.views import deadlines as deadline_views
from cases.views import find as find_views
from cases.views import records as record_views
from cases.views import referrals as referral_views
from cases.views import safeguarding as safeguarding_views
from cases.views import search as search_views

app_name = "cases"

urlpatterns = [
    # Cases, subjects, premises, case log, referrals
    path("cases/", case_views.case_list, name="list"),
    path("cases/new/", case_views.case_create, name="create"),
    path("cases/<str:reference>/", case_views.case_detail, name="detail"),
    path("cases/<str:reference>/subjects/add/", case_views.subject_add_view, name="subject_add"),
    path("cases/<str:reference>/premises/add/", case_views.premises_add_view, name="premises_add"),
    path("cases/<str:reference>/log/", case_views.case_log, name="log"),
    path("cases/<str:reference>/log/add/", case_views.case_log_add_view, name="log_add"),
    path("cases/<str:reference>/log/<int:pk>/correct/", case_views.case_log_correct_view, name="log_correct"),
    # Correcting any record, withdrawing one entered in error, and its every version
    path(
        "cases/<str:reference>/records/<slug:record_type>/<int:pk>/correct/",
        record_views.record_correct,
        name="record_correct",
    ),
    path(
        "cases/<str:reference>/records/<slug:record_type>/<int:pk>/withdraw/",
        record_views.record_withdraw_view,
        name="record_withdraw",
    ),
    path(
        "cases/<str:reference>/records/<slug:record_type>/<int:pk>/history/",
        record_views.record_history,
        name="record_history",
    ),
    path("referrals/", referral_views.referral_list, name="referral_list"),
    path("referrals/new/", referral_views.referral_create_view, name="referral_create"),
    path("referrals/<int:pk>/", referral_views.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/identifiers/add/", referral_views.referral_identifier_add, name="referral_identifier_add"),
    path("referrals/<int:pk>/comms-requests/add/", referral_views.comms_request_add, name="comms_request_add"),
    path(
        "referrals/<int:pk>/comms-requests/<int:request_pk>/approval/",
        referral_views.comms_request_approval,
        name="comms_request_approval",
    ),
    path(
        "referrals/<int:pk>/comms-requests/<int:request_pk>/result/",
        referral_views.comms_request_result,
        name="comms_request_result",
    ),
    path("referrals/<int:pk>/outcome/", referral_views.referral_outcome, name="referral_outcome"),
    # A referral not developed into a case: correcting it and its records, withdrawing one, every version
    path(
        "referrals/<int:pk>/records/<slug:record_type>/<int:record_pk>/correct/",
        record_views.referral_record_correct,
        name="referral_record_correct",
    ),
    path(
        "referrals/<int:pk>/records/<slug:record_type>/<int:record_pk>/withdraw/",
        record_views.referral_record_withdraw,
        name="referral_record_withdraw",
    ),
    path(
        "referrals/<int:pk>/records/<slug:record_type>/<int:record_pk>/history/",
        record_views.referral_record_history,
        name="referral_record_history",
    ),
    path("referrals/<int:pk>/open-case/", referral_views.case_open_from_referral, name="case_open_from_referral"),
    # Search and devices
    path("cases/<str:reference>/searches/add/", search_views.search_add, name="search_add"),
    path("cases/<str:reference>/devices/add/", search_views.device_add, name="device_add"),
    path("cases/<str:reference>/devices/<int:pk>/", search_views.device_detail, name="device_detail"),
    path("cases/<str:reference>/devices/<int:pk>/triage/", search_views.device_triage, name="device_triage"),
    path(
        "cases/<str:reference>/devices/<int:pk>/image-counts/",
        search_views.device_image_counts,
        name="device_image_counts",
    ),
    path(
        "cases/<str:reference>/devices/<int:pk>/forensic-request/",
        search_views.device_forensic_request,
        name="device_forensic_request",
    ),
    path(
        "cases/<str:reference>/devices/<int:pk>/forensic-complete/",
        search_views.device_forensic_complete,
        name="device_forensic_complete",
    ),
    # Arrest, custody, release and bail
    path("cases/<str:reference>/arrests/add/", custody_views.arrest_add, name="arrest_add"),
    path("cases/<str:reference>/arrests/<int:pk>/", custody_views.arrest_detail, name="arrest_detail"),
    path(
        "cases/<str:reference>/arrests/<int:pk>/custody-extensions/add/",
        custody_views.custody_extension_add,
        name="custody_extension_add",
    ),
    path(
        "cases/<str:reference>/arrests/<int:pk>/reviews/add/",
        custody_views.custody_review_add,
        name="custody_review_add",
    ),
    path("cases/<str:reference>/arrests/<int:pk>/releases/add/", custody_views.release_add, name="release_add"),
    path(
        "cases/<str:reference>/arrests/<int:arrest_pk>/releases/<int:pk>/extend-bail/",
        custody_views.bail_extend_view,
        name="bail_extend",
    ),
    path(
        "cases/<str:reference>/arrests/<int:arrest_pk>/releases/<int:pk>/court-application/",
        custody_views.bail_court_apply,
        name="bail_court_apply",
    ),
    path(
        "cases/<str:reference>/arrests/<int:arrest_pk>/releases/<int:pk>/breach/",
        custody_views.bail_breach_add,
        name="bail_breach_add",
    ),
    # Charging, court, safeguarding, closure
    path("cases/<str:reference>/charging/submit/", charging_views.charging_submit_view, name="charging_submit"),
    path(
        "cases/<str:reference>/charging/<int:pk>/decision/", charging_views.charging_decision, name="charging_decision"
    ),
    path("cases/<str:reference>/hearings/add/", court_views.hearing_add, name="hearing_add"),
    path("cases/<str:reference>/safeguarding/add/", safeguarding_views.safeguarding_add, name="safeguarding_add"),
    path(
        "cases/<str:reference>/safeguarding/<int:pk>/edit/",
        safeguarding_views.safeguarding_edit,
        name="safeguarding_edit",
    ),
    path("cases/<str:reference>/close/", closure_views.case_close_view, name="case_close"),
    path("cases/<str:reference>/reopen/", closure_views.case_reopen_view, name="case_reopen"),
    path(
        "cases/<str:reference>/retention-reviews/add/",
        closure_views.retention_review_add,
        name="retention_review_add",
    ),
    # Search over every record, and deconfliction
    path("find/", find_views.find, name="find"),
    path("deconfliction/", find_views.match_list, name="match_list"),
    path("deconfliction/<int:pk>/", find_views.match_detail, name="match_detail"),
    path("deconfliction/<int:pk>/confirm/", find_views.match_confirm, name="match_confirm"),
    path("deconfliction/<int:pk>/undo/", find_views.match_undo, name="match_undo"),
    # Deadlines and reminders
    path("deadlines/", deadline_views.deadlines_page, name="deadlines"),
    path("inbox/", deadline_views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", deadline_views.notification_read, name="notification_read"),
    path("inbox/read-all/", deadline_views.notifications_read_all, name="notifications_read_all"),
    # Access
    path("cases/<str:reference>/access/grant/", access_views.access_grant, name="access_grant"),
    path("cases/<str:reference>/access/revoke/", access_views.access_revoke, name="access_revoke"),
    path("cases/<str:reference>/access/examiner/", access_views.examiner_assign, name="examiner_assign"),
    path("cases/<str:reference>/access/reassign/", access_views.case_reassign_view, name="case_reassign"),
    path("cases/<str:reference>/access/restrict/", access_views.case_restrict_view, name="case_restrict"),
]
