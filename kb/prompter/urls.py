"""The prompter's API routes, included under ``/api/v1/``."""

from __future__ import annotations

from django.urls import path

from kb.prompter.api import PrompterStatsView, SuggestionFeedbackView

urlpatterns = [
    path(
        "suggestions/<str:pk>/feedback/",
        SuggestionFeedbackView.as_view(),
        name="suggestion-feedback",
    ),
    path("kb/stats/", PrompterStatsView.as_view(), name="kb-stats"),
]
