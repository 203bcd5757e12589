from .access import CaseGroupObjectPermission, CaseUserObjectPermission
from .case import Case, CaseLogEntry, Premises, Subject
from .charging import Charge, ChargingSubmission
from .choices import ImageCategory
from .closure import Closure, ClosureConfirmation, RetentionReview
from .correctable import Correctable
from .court import CourtHearing
from .custody import Arrest, BailBreach, BailExtension, CustodyExtension, CustodyReview, Offence, Release
from .exports import ExportJob
from .identifiers import DeconflictionDecision, DeconflictionMatch, IndexedIdentifier
from .notifications import Notification
from .referrals import CommsDataRequest, Referral, ReferralIdentifier
from .safeguarding import SafeguardingReferral
from .search import Device, ImageCount, Search
from .summaries import (
    FigureFact,
    FigureFactsVersion,
    FiguresCache,
    OutstandingDeadline,
    SummaryState,
    UnsummarisedWrite,
)
from .versions import REFERRAL_RECORD_TYPES, RecordVersion

__all__ = [
    "REFERRAL_RECORD_TYPES",
    "Arrest",
    "BailBreach",
    "BailExtension",
    "Case",
    "CaseGroupObjectPermission",
    "CaseLogEntry",
    "CaseUserObjectPermission",
    "Charge",
    "ChargingSubmission",
    "Closure",
    "ClosureConfirmation",
    "CommsDataRequest",
    "Correctable",
    "CourtHearing",
    "CustodyExtension",
    "CustodyReview",
    "DeconflictionDecision",
    "DeconflictionMatch",
    "Device",
    "ExportJob",
    "FigureFact",
    "FigureFactsVersion",
    "FiguresCache",
    "ImageCategory",
    "ImageCount",
    "IndexedIdentifier",
    "Notification",
    "Offence",
    "OutstandingDeadline",
    "Premises",
    "RecordVersion",
    "Referral",
    "ReferralIdentifier",
    "Release",
    "RetentionReview",
    "SafeguardingReferral",
    "Search",
    "Subject",
    "SummaryState",
    "UnsummarisedWrite",
]
