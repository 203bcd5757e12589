"""API v1 (docs/api.md). No view here needs a signed-in person: each proves its client by token, and
the schema and its documentation page describe the API only."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.views import CaseDeadlinesView, CaseDetailView, CaseListView, FiguresView, ReferralIntakeView

app_name = "api"

urlpatterns = [
    path("cases/", login_not_required(CaseListView.as_view()), name="cases"),
    path("cases/<str:reference>/", login_not_required(CaseDetailView.as_view()), name="case"),
    path("cases/<str:reference>/deadlines/", login_not_required(CaseDeadlinesView.as_view()), name="case_deadlines"),
    path("referrals/", login_not_required(ReferralIntakeView.as_view()), name="referrals"),
    path("figures/", login_not_required(FiguresView.as_view()), name="figures"),
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    path("docs/", login_not_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
]
