"""``POST /api/v1/suggestions/{id}/feedback/`` and ``GET /api/v1/kb/stats/``."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kb.prompter import services
from kb.prompter.models import PhrasingFeedback, Suggestion
from tests import factories

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _suggestion(session) -> Suggestion:
    message = factories.MessageFactory(session=session, text="сколько стоит доставка")
    return services.message_prompt(message_id=message.pk).suggestions[0]


def test_the_sessions_operator_rejects_a_suggestion(faq, active_session):
    suggestion = _suggestion(active_session)

    answer = _client(active_session.operator.user).post(
        f"/api/v1/suggestions/{suggestion.pk}/feedback/", {"outcome": "rejected"}, format="json"
    )

    assert answer.status_code == 200
    assert answer.json()["outcome"] == "rejected"
    suggestion.refresh_from_db()
    assert (
        suggestion.outcome == "rejected" and suggestion.outcome_by == active_session.operator.user
    )
    assert PhrasingFeedback.objects.get(article_id=suggestion.article_id).rejects == 1


def test_a_second_feedback_answers_409_and_keeps_the_first(faq, active_session):
    suggestion = _suggestion(active_session)
    client = _client(active_session.operator.user)
    url = f"/api/v1/suggestions/{suggestion.pk}/feedback/"
    client.post(url, {"outcome": "accepted"}, format="json")

    again = client.post(url, {"outcome": "rejected"}, format="json")

    assert again.status_code == 409
    assert again.json()["code"] == "feedback_given"
    suggestion.refresh_from_db()
    assert suggestion.outcome == "accepted"


def test_a_supervisor_and_an_admin_may_give_feedback(faq, active_session):
    supervisor = factories.OperatorFactory()
    active_session.group.supervisors.add(supervisor)
    admin = factories.UserFactory(is_superuser=True, is_staff=True)
    first, second = _suggestion(active_session), _suggestion(active_session)

    by_supervisor = _client(supervisor.user).post(
        f"/api/v1/suggestions/{first.pk}/feedback/",
        {"outcome": "edited", "text": "x"},
        format="json",
    )
    by_admin = _client(admin).post(
        f"/api/v1/suggestions/{second.pk}/feedback/", {"outcome": "accepted"}, format="json"
    )

    assert (by_supervisor.status_code, by_admin.status_code) == (200, 200)


def test_anyone_else_gets_404_even_a_member_of_the_group(faq, active_session):
    suggestion = _suggestion(active_session)
    colleague = factories.OperatorFactory()
    factories.MembershipFactory(group=active_session.group, operator=colleague)
    url = f"/api/v1/suggestions/{suggestion.pk}/feedback/"

    assert (
        _client(colleague.user).post(url, {"outcome": "accepted"}, format="json").status_code == 404
    )
    assert APIClient().post(url, {"outcome": "accepted"}, format="json").status_code == 401
    assert (
        _client(colleague.user)
        .post("/api/v1/suggestions/999999/feedback/", {}, format="json")
        .status_code
        == 404
    )
    suggestion.refresh_from_db()
    assert suggestion.outcome is None


@pytest.mark.parametrize(
    "body",
    [{}, {"outcome": "maybe"}, {"outcome": 1}, {"outcome": "edited", "text": 5}, ["accepted"]],
)
def test_bad_feedback_is_a_400(faq, active_session, body):
    suggestion = _suggestion(active_session)

    answer = _client(active_session.operator.user).post(
        f"/api/v1/suggestions/{suggestion.pk}/feedback/", body, format="json"
    )

    assert answer.status_code == 400
    suggestion.refresh_from_db()
    assert suggestion.outcome is None


def test_stats_are_for_admins_and_supervisors(active_session):
    supervisor = factories.OperatorFactory()
    active_session.group.supervisors.add(supervisor)

    assert _client(active_session.operator.user).get("/api/v1/kb/stats/").status_code == 403
    rows = _client(supervisor.user).get("/api/v1/kb/stats/?weeks=3").json()
    assert len(rows) == 3
    assert set(rows[0]) >= {"week", "suggested", "accept_at_1", "accept_at_3", "mrr", "coverage"}
    admin = factories.UserFactory(is_superuser=True, is_staff=True)
    assert _client(admin).get("/api/v1/kb/stats/?weeks=0").status_code == 400
    assert _client(admin).get("/api/v1/kb/stats/?weeks=abc").status_code == 400
