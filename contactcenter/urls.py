from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from bots.api import router as bots_router
from bots.session_api import SessionBotView
from contactcenter import views
from contactcenter.api import AuthTokenView
from crm.api import router as crm_router
from inbox.api import CannedResponseListView, DialogMessagesView, DialogVisitorView
from inbox.connectors.email.api import DialogEmailsView
from inbox.labels_api import router as labels_router
from inbox.search_api import SearchView
from kb.api import ImportView as KbImportView
from kb.api import MatchView as KbMatchView
from kb.api import router as kb_router
from reports.api import BreakdownView, LiveView, SummaryView
from routing.api import QueueListView
from routing.api import router as routing_router
from routing.board_api import BoardView

api_v1 = [
    path("auth/token/", AuthTokenView.as_view(), name="api-token"),
    path("sessions/<str:pk>/bot/", SessionBotView.as_view(), name="session-bot"),
    *routing_router.urls,
    *crm_router.urls,
    *labels_router.urls,
    *bots_router.urls,
    path("kb/import/", KbImportView.as_view(), name="kb-import"),
    path("kb/match/", KbMatchView.as_view(), name="kb-match"),
    *kb_router.urls,
    path("search/", SearchView.as_view(), name="search"),
    path("", include("kb.prompter.urls")),  # suggestions/{id}/feedback/, kb/stats/
    path("dialogs/<str:pk>/messages/", DialogMessagesView.as_view(), name="dialog-messages"),
    path("dialogs/<str:pk>/visitor/", DialogVisitorView.as_view(), name="dialog-visitor"),
    path("dialogs/<str:pk>/emails/", DialogEmailsView.as_view(), name="dialog-emails"),
    path("canned-responses/", CannedResponseListView.as_view(), name="canned-responses"),
    path("queues/", QueueListView.as_view(), name="queues"),
    path("reports/summary/", SummaryView.as_view(), name="reports-summary"),
    path("reports/breakdown/", BreakdownView.as_view(), name="reports-breakdown"),
    path("reports/live/", LiveView.as_view(), name="reports-live"),
    path("board/", BoardView.as_view(), name="board"),
    path("inbound/", include("inbox.connectors.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("demo/", views.demo, name="demo"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    # The inbox page itself first goes through the composition root, which knows whether
    # the user is an operator (a routing question the inbox app may not ask).
    path("inbox/", views.inbox_entry, name="inbox-entry"),
    path("inbox/", include("inbox.urls")),
    path("reports/", include("reports.urls")),
    path("crm/", include("crm.urls")),
    path("routing/", include("routing.urls")),
    path("widget/", include("inbox.widget_urls")),
    path("hooks/", include("inbox.connectors.urls")),
    path(settings.MEDIA_URL.lstrip("/"), include("inbox.media_urls")),
]
