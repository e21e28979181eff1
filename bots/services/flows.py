"""Writes of button bots: create, change and delete a bot, and restore a version. Every
change of a bot's flow is validated (``bots.flows.validate``) and kept as a new
``BotVersion``; the bot's ``version`` is its number. ``bot_simulate`` reads only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bots.flows import simulate, validate
from bots.flows.validate import Problem
from bots.models import Bot, BotMode, BotVersion
from inbox.models import Channel
from routing.models import Group

MAX_KEYWORDS = 20
MAX_KEYWORD = 50


class FlowInvalid(ValidationError):
    """A flow with problems; ``problems`` name the nodes. Answered as a 400 with
    ``{"flow": ["<nodes>: <problem>", ...], "problems": [{"code", "nodes", "message"}]}``."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__({"flow": [str(problem) for problem in problems]})
        self.problems = problems


def flow_check(*, flow: Any) -> None:
    """``FlowInvalid`` unless ``flow`` can be published (its handoff groups exist)."""
    problems = validate.flow_problems(flow, group_exists=_group_exists)
    if problems:
        raise FlowInvalid(problems)


def _group_exists(group_id: int) -> bool:
    return Group.objects.filter(pk=group_id).exists()


def keywords_clean(keywords: Any) -> list[str]:
    """The handoff keywords, trimmed, without repeats; ``ValidationError`` when they are
    not a list of up to 20 words of up to 50 characters."""
    if not isinstance(keywords, list) or len(keywords) > MAX_KEYWORDS:
        raise ValidationError({"handoff_keywords": [_("A list of up to %d words.") % MAX_KEYWORDS]})
    cleaned: list[str] = []
    for word in keywords:
        if not isinstance(word, str) or not word.strip() or len(word) > MAX_KEYWORD:
            raise ValidationError(
                {"handoff_keywords": [_("Each word is text of 1 to %d characters.") % MAX_KEYWORD]}
            )
        if word.strip().casefold() not in (w.casefold() for w in cleaned):
            cleaned.append(word.strip())
    return cleaned


def _mode_clean(mode: Any) -> str:
    if mode not in BotMode.values:
        raise ValidationError({"mode": [_("One of: %s.") % ", ".join(BotMode.values)]})
    return str(mode)


@transaction.atomic
def bot_create(
    *,
    name: str,
    flow: Any,
    channels: Iterable[Channel] = (),
    mode: str = BotMode.ALWAYS,
    handoff_keywords: Any = None,
    user: Any = None,
) -> Bot:
    """A new bot whose flow is version 1."""
    flow_check(flow=flow)
    bot = Bot(name=name, mode=_mode_clean(mode), flow=flow, version=1)
    if handoff_keywords is not None:
        bot.handoff_keywords = keywords_clean(handoff_keywords)
    bot.save()
    bot.channels.set(list(channels))
    _version_add(bot=bot, number=1, flow=flow, user=user)
    return bot


@transaction.atomic
def bot_update(*, bot: Bot, data: dict[str, Any], user: Any = None) -> Bot:
    """Changes what ``data`` holds (``name``, ``channels``, ``mode``,
    ``handoff_keywords``, ``flow``). A ``flow`` different from the current one is
    validated and becomes the next version; the same flow again makes none."""
    locked = Bot.objects.select_for_update().get(pk=bot.pk)
    fields = []
    if "name" in data:
        locked.name = data["name"]
        fields.append("name")
    if "mode" in data:
        locked.mode = _mode_clean(data["mode"])
        fields.append("mode")
    if "handoff_keywords" in data:
        locked.handoff_keywords = keywords_clean(data["handoff_keywords"])
        fields.append("handoff_keywords")
    if "flow" in data and data["flow"] != locked.flow:
        flow_check(flow=data["flow"])
        locked.flow, locked.version = data["flow"], locked.version + 1
        fields += ["flow", "version"]
        _version_add(bot=locked, number=locked.version, flow=locked.flow, user=user)
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    if "channels" in data:
        locked.channels.set(list(data["channels"]))
    return locked


@transaction.atomic
def bot_version_restore(*, bot: Bot, number: int, user: Any = None) -> Bot:
    """Publishes version ``number``'s flow again, as a new version (numbers only grow).
    ``BotVersion.DoesNotExist`` when the bot has no such version; the flow is checked
    again (a group it hands off to may have gone since)."""
    locked = Bot.objects.select_for_update().get(pk=bot.pk)
    old = BotVersion.objects.get(bot=locked, number=number)
    flow_check(flow=old.flow)
    locked.flow, locked.version = old.flow, locked.version + 1
    locked.save(update_fields=["flow", "version", "updated_at"])
    _version_add(bot=locked, number=locked.version, flow=old.flow, user=user, restored_from=number)
    return locked


def bot_delete(*, bot: Bot) -> None:
    """Deletes the bot and its versions; sessions it was in keep their state, without
    a version (a live session then goes to people)."""
    bot.delete()


def _version_add(
    *, bot: Bot, number: int, flow: Any, user: Any, restored_from: int | None = None
) -> BotVersion:
    author = user if getattr(user, "is_authenticated", False) else None
    return BotVersion.objects.create(
        bot=bot, number=number, flow=flow, created_by=author, restored_from=restored_from
    )


# --- the simulator: reads only ----------------------------------------------------------


def bot_simulate(
    *,
    bot: Bot,
    inputs: list[Any],
    contact: dict[str, Any] | None = None,
    group_open: bool = True,
    flow: Any = None,
) -> dict[str, Any]:
    """Runs ``flow`` (default: the bot's current flow) over ``inputs`` in memory, with
    the bot's keywords, as if the target group were open or closed, and answers the
    contract's ``{"transcript", "outcome", "group", "collected"}`` plus ``priority``,
    ``node``, ``group_open`` and ``offline_message``. Nothing is written.
    ``FlowInvalid`` for a flow that does not validate, ``simulate.BadInput`` for an
    input it cannot read."""
    flow = bot.flow if flow is None else flow
    flow_check(flow=flow)
    channel = bot.channels.order_by("id").first()
    answer = simulate.flow_simulate(
        flow=flow,
        inputs=inputs,
        contact=contact,
        group_open=group_open,
        keywords=list(bot.handoff_keywords or []),
        default_group=channel.default_group_id if channel is not None else None,
    )
    answer["offline_message"] = None
    if answer["outcome"] == "handoff" and not group_open and answer["group"] is not None:
        group = Group.objects.filter(pk=answer["group"]).first()
        answer["offline_message"] = group.offline_message or None if group else None
    return answer
