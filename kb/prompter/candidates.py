"""Candidate articles: customer questions that found no article and the operator's reply
to them, grouped by similarity, which an admin turns into an article in one click."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kb.models import Article
from kb.prompter import learning
from kb.prompter.models import Candidate, Prompt
from kb.services import articles as article_services
from kb.services import matching

GROUP_SIMILAR = 0.6  # a question this close to an open group's first joins that group
GROUPS_SCANNED = 500


def language_of(text: str) -> str:
    return matching.language_of(text)


def candidate_add(*, prompt: Prompt, answer: str) -> Candidate | None:
    """A question with no match and the operator's reply to it, grouped under the first
    open candidate with a close question (once per message)."""
    if Candidate.objects.filter(message_id=prompt.message_id).exists():
        return None
    heads = Candidate.objects.filter(status=Candidate.Status.OPEN, group__isnull=True)
    grams = learning.trigrams(prompt.question)
    group = next(
        (
            head
            for head in heads.order_by("-pk")[:GROUPS_SCANNED]
            if learning.similarity(grams, head.question) >= GROUP_SIMILAR
        ),
        None,
    )
    return Candidate.objects.create(
        question=prompt.question,
        answer=answer[:5000],
        language=prompt.language or language_of(prompt.question),
        message_id=prompt.message_id,
        session_id=prompt.session_id,
        group=group,
        created_at=timezone.now(),
    )


def candidate_group(candidate: Candidate) -> list[Candidate]:
    """The candidate's group: its first question and the open ones grouped under it."""
    head = candidate.group or candidate
    return [head, *head.similar.filter(status=Candidate.Status.OPEN).order_by("pk")]


def candidate_article_create(*, candidate: Candidate) -> Article:
    """An article from a candidate's group, through the articles' write path: the
    questions as its phrasings, the operator's reply as its answer (in the question's
    language; the title is the first question, to edit). Every candidate of the group is
    marked created."""
    members = candidate_group(candidate)
    head = members[0]
    lang = head.language if head.language in ("ru", "en") else language_of(head.question)
    title = " ".join(head.question.split())[:120]
    phrases = list(dict.fromkeys(" ".join(m.question.split())[:500] for m in members))
    with transaction.atomic():
        article = article_services.article_create(
            data={
                "key": f"candidate-{head.pk}",
                "titles": {lang: title},
                "answers": {lang: head.answer},
                "phrases": phrases,
            }
        )
        Candidate.objects.filter(pk__in=[m.pk for m in members]).update(
            status=Candidate.Status.CREATED, article=article
        )
    return article


def candidate_dismiss(*, candidate: Candidate) -> int:
    members = candidate_group(candidate)
    return Candidate.objects.filter(pk__in=[m.pk for m in members]).update(
        status=Candidate.Status.DISMISSED
    )
