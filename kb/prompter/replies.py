"""What an operator's reply tells the prompter: a sent text equal to a pending
suggestion of the messages it answers counts as accepted, a close one as edited; and a
question that found no article, answered by the operator, becomes a candidate
article."""

from __future__ import annotations

from inbox.models import Message, SenderType
from kb.prompter import learning
from kb.prompter.candidates import candidate_add
from kb.prompter.models import Outcome, Prompt, Suggestion
from kb.prompter.services import FeedbackConflict, suggestion_feedback


def operator_reply_seen(*, message_id: int) -> list[Suggestion]:
    """Feedback and candidates from the operator's message ``message_id``; returns the
    suggestions it counted as accepted or edited."""
    reply = Message.objects.filter(pk=message_id).first()
    if reply is None or reply.sender_type != SenderType.OPERATOR or reply.internal:
        return []
    if reply.session_id is None or not reply.text.strip():
        return []
    prompts = list(_unanswered_prompts(reply))
    counted = _sent_feedback(reply, prompts)
    for prompt in prompts:
        if prompt.suggested == 0:
            candidate_add(prompt=prompt, answer=reply.text)
    return counted


def _unanswered_prompts(reply: Message) -> list[Prompt]:
    """The prompts of the session's customer messages since the operator's previous
    reply (the ones this reply answers)."""
    session_id = reply.session_id or 0
    before = (
        Message.objects.filter(
            session_id=session_id,
            sender_type=SenderType.OPERATOR,
            internal=False,
            pk__lt=reply.pk,
        )
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    prompts = Prompt.objects.filter(session_id=session_id, message_id__lt=reply.pk)
    if before is not None:
        prompts = prompts.filter(message_id__gt=before)
    return list(prompts.order_by("message_id"))


def _sent_feedback(reply: Message, prompts: list[Prompt]) -> list[Suggestion]:
    pending = Suggestion.objects.filter(prompt__in=prompts, outcome__isnull=True).order_by(
        "-message_id", "rank"
    )
    best: tuple[str, Suggestion] | None = None
    for suggestion in pending:
        outcome = learning.sent_outcome(reply.text, suggestion.text)
        if outcome == Outcome.ACCEPTED:
            best = (outcome, suggestion)
            break
        if outcome and best is None:
            best = (outcome, suggestion)
    if best is None:
        return []
    user = reply.sender_user if reply.sender_user_id else None
    try:
        return [
            suggestion_feedback(
                suggestion_id=best[1].pk, outcome=best[0], text=reply.text, user=user
            )
        ]
    except FeedbackConflict:
        return []
