"""The prompter's weekly figures on a hand-built history."""

from __future__ import annotations

import datetime as dt

import pytest

from kb.prompter.models import Prompt, Suggestion
from kb.prompter.selectors import prompter_weekly_stats
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)  # a Wednesday
THIS_WEEK = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
LAST_WEEK = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def _prompt(session, at, outcomes):
    """A prompted message with one suggestion per outcome (rank order)."""
    message = factories.MessageFactory(session=session)
    prompt = Prompt.objects.create(
        message=message,
        session=session,
        question=message.text,
        suggested=len(outcomes),
        created_at=at,
    )
    for rank, outcome in enumerate(outcomes, start=1):
        Suggestion.objects.create(
            prompt=prompt,
            session=session,
            message=message,
            rank=rank,
            score=1 - rank / 10,
            text=f"answer {rank}",
            outcome=outcome,
            created_at=at,
        )


def test_weekly_figures_follow_their_definitions(active_session):
    # this week: 5 prompted, 4 with suggestions: accepted at 1, edited at 2, accepted at
    # 3, none accepted; and 1 with no suggestion
    _prompt(active_session, THIS_WEEK, ["accepted", None, None])
    _prompt(active_session, THIS_WEEK, ["rejected", "edited", None])
    _prompt(active_session, THIS_WEEK, [None, None, "accepted"])
    _prompt(active_session, THIS_WEEK, ["rejected"])
    _prompt(active_session, THIS_WEEK, [])
    # last week: one, accepted at 1
    _prompt(active_session, LAST_WEEK, ["accepted"])

    rows = prompter_weekly_stats(weeks=3, now=NOW)

    assert [r["week"] for r in rows] == ["2026-11-16", "2026-11-23", "2026-11-30"]
    assert rows[0] == {
        "week": "2026-11-16",
        "prompted": 0,
        "suggested": 0,
        "accept_at_1": 0.0,
        "accept_at_3": 0.0,
        "mrr": 0.0,
        "coverage": 0.0,
    }
    assert rows[1]["suggested"] == 1 and rows[1]["accept_at_1"] == 1.0 and rows[1]["mrr"] == 1.0
    this = rows[2]
    assert (this["prompted"], this["suggested"]) == (5, 4)
    assert this["accept_at_1"] == 0.25
    assert this["accept_at_3"] == 0.75
    assert this["mrr"] == round((1 + 1 / 2 + 1 / 3 + 0) / 4, 4)
    assert this["coverage"] == 0.8
