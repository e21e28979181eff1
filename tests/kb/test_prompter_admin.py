"""The prompter in the admin: the setting, the chart of weekly figures, the review list
of learned phrasings and the candidate articles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kb.models import Article, Phrase
from kb.prompter.models import Candidate, PhrasingFeedback, Prompt, PrompterSettings, Suggestion
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_setting_can_be_changed_and_is_checked(admin_client):
    row = PrompterSettings.objects.create(pk=1)
    assert row.learn_after_accepts == 2  # the default
    assert admin_client.get("/admin/kb/promptersettings/add/").status_code == 403  # one row
    change = f"/admin/kb/promptersettings/{row.pk}/change/"
    answer = admin_client.post(change, {"learn_after_accepts": "5"})
    assert answer.status_code == 302
    assert PrompterSettings.objects.get().learn_after_accepts == 5
    refused = admin_client.post(change, {"learn_after_accepts": "0"})
    assert refused.status_code == 200 and PrompterSettings.objects.get().learn_after_accepts == 5


def test_the_suggestions_list_draws_the_weekly_figures(admin_client, active_session):
    message = factories.MessageFactory(session=active_session, text="сколько стоит доставка")
    now = timezone.now()
    prompt = Prompt.objects.create(
        message=message, session=active_session, question=message.text, suggested=1, created_at=now
    )
    Suggestion.objects.create(
        prompt=prompt,
        session=active_session,
        message=message,
        rank=1,
        score=0.9,
        text="290 ₽",
        outcome="accepted",
        created_at=now,
    )

    page = admin_client.get("/admin/kb/suggestion/").content.decode()

    assert "<svg" in page and page.count('class="series"') == 4
    assert (
        "accept@1" in page
        and "<script" not in page.split("prompter-chart")[1].split("</section>")[0]
    )
    assert (now.date() - dt.timedelta(days=now.weekday())).isoformat() in page


def test_approving_a_phrasing_learns_it_at_once(admin_client, faq):
    pair = PhrasingFeedback.objects.create(
        article_id=faq["returns"], phrasing="сдать телик назад", accepts=1
    )

    answer = admin_client.post(
        "/admin/kb/phrasingfeedback/", {"action": "approve", "_selected_action": [pair.pk]}
    )

    assert answer.status_code == 302
    assert (
        Phrase.objects.get(article_id=faq["returns"], text="сдать телик назад").source == "learned"
    )
    pair.refresh_from_db()
    assert pair.status == "learned"


def test_one_click_turns_a_candidate_into_an_article(admin_client, active_session):
    message = factories.MessageFactory(session=active_session, text="есть подарочные карты?")
    candidate = Candidate.objects.create(
        question=message.text,
        answer="Да, от 1000 ₽.",
        language="ru",
        message=message,
        session=active_session,
        created_at=timezone.now(),
    )
    page = admin_client.get("/admin/kb/candidate/").content.decode()
    url = f"/admin/kb/candidate/{candidate.pk}/create-article/"
    assert f'formaction="{url}"' in page

    answer = admin_client.post(url)

    assert answer.status_code == 302
    article = Article.objects.get(key=f"candidate-{candidate.pk}")
    assert article.answer_ru == "Да, от 1000 ₽."
    assert list(article.phrases.values_list("text", flat=True)) == ["есть подарочные карты?"]
    assert admin_client.get(url).status_code == 405
    again = admin_client.post(url)
    assert again.status_code == 302 and Article.objects.count() == 1
