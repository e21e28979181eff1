"""Saved simulations ("golden transcripts") of a bot: a simulation the admin keeps, with
its inputs and what the bot answered. Before a new flow is published they run again on
it, and the admin is warned of each one whose transcript or outcome would change.
Nothing here writes a session or a message: the flow runs in memory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from bots.flows import engine
from bots.flows.simulate import flow_simulate
from bots.models import Bot, BotSimulation
from bots.services import flows

MAX_SIMULATIONS_PER_BOT = 100


@dataclass(frozen=True, slots=True)
class SimulationChange:
    """A saved simulation whose result differs on the new flow: ``before`` and
    ``after`` are the two results; ``lines`` the transcript lines side by side from
    the first one that differs."""

    simulation: BotSimulation
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def outcome_changed(self) -> bool:
        return _ending(self.before) != _ending(self.after)

    @property
    def lines(self) -> list[tuple[str, str]]:
        old = [line_text(line) for line in self.before.get("transcript") or []]
        new = [line_text(line) for line in self.after.get("transcript") or []]
        first = next(
            (i for i, pair in enumerate(zip(old, new, strict=False)) if pair[0] != pair[1]), None
        )
        if first is None:
            first = min(len(old), len(new))
        width = max(len(old), len(new))
        return [
            (old[i] if i < len(old) else "", new[i] if i < len(new) else "")
            for i in range(first, width)
        ]

    @property
    def outcome_before(self) -> str:
        return outcome_text(self.before)

    @property
    def outcome_after(self) -> str:
        return outcome_text(self.after)


def line_text(line: Any) -> str:
    """One transcript line in words: who, what, and the buttons offered."""
    if not isinstance(line, dict):
        return str(line)
    who = _("Bot") if line.get("from") == "bot" else _("Customer")
    text = f"{who}: {line.get('text') or ''}".rstrip()
    buttons = line.get("buttons") or []
    if buttons:
        text += " " + " ".join(f"[{b.get('title')}]" for b in buttons if isinstance(b, dict))
    return text


def outcome_text(result: dict[str, Any]) -> str:
    outcome = str(result.get("outcome") or "")
    group = result.get("group")
    return f"{outcome} → {group}" if outcome == "handoff" and group is not None else outcome


def _ending(result: dict[str, Any]) -> tuple[Any, Any]:
    return (result.get("outcome"), result.get("group"))


def _comparable(result: dict[str, Any]) -> tuple[Any, ...]:
    lines = [line_text(line) for line in result.get("transcript") or []]
    return (tuple(lines), _ending(result))


def bot_simulation_run(
    *,
    flow: dict[str, Any],
    inputs: list[Any],
    contact: dict[str, Any] | None = None,
    group_open: bool = True,
    bot: Bot | None = None,
) -> dict[str, Any]:
    """The simulator's answer for ``flow``: through ``bot_simulate`` for a saved bot (its
    keywords, its channel's default group), else with the default keywords. Raises
    ``FlowInvalid`` for a flow with problems, ``simulate.BadInput`` for a bad input."""
    if bot is not None:
        return flows.bot_simulate(
            bot=bot, inputs=inputs, contact=contact, group_open=group_open, flow=flow
        )
    flows.flow_check(flow=flow)
    return flow_simulate(
        flow=flow,
        inputs=inputs,
        contact=contact,
        group_open=group_open,
        keywords=engine.DEFAULT_KEYWORDS,
    )


def _expected(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "transcript": result.get("transcript") or [],
        "outcome": result.get("outcome") or "",
        "group": result.get("group"),
        "collected": result.get("collected") or {},
    }


def bot_simulation_save(
    *,
    bot: Bot,
    name: str,
    flow: dict[str, Any],
    inputs: list[Any],
    contact: dict[str, Any] | None,
    group_open: bool,
    user: Any = None,
) -> BotSimulation:
    """Runs the simulation on ``flow`` and keeps it with what the bot answered."""
    result = bot_simulation_run(
        flow=flow, inputs=inputs, contact=contact, group_open=group_open, bot=bot
    )
    return BotSimulation.objects.create(
        bot=bot,
        name=name.strip()[:200],
        inputs=inputs,
        contact=contact or {},
        group_open=group_open,
        expected=_expected(result),
        created_by=user if user is not None and user.is_authenticated else None,
    )


def bot_simulations_check(*, bot: Bot, flow: dict[str, Any]) -> list[SimulationChange]:
    """Each saved simulation of ``bot`` whose transcript or outcome differs on ``flow``."""
    changes = []
    for simulation in bot.simulations.order_by("id"):
        try:
            after = _expected(
                bot_simulation_run(
                    flow=flow,
                    inputs=list(simulation.inputs or []),
                    contact=simulation.contact,
                    group_open=simulation.group_open,
                    bot=bot,
                )
            )
        except ValueError as error:  # an input the new flow cannot read
            after = {"transcript": [], "outcome": str(error), "group": None, "collected": {}}
        if _comparable(after) != _comparable(simulation.expected or {}):
            changes.append(SimulationChange(simulation, simulation.expected or {}, after))
    return changes


@transaction.atomic
def bot_simulations_accept(*, changes: list[SimulationChange]) -> None:
    """The new answers become the expected ones (the admin saved anyway)."""
    for change in changes:
        change.simulation.expected = change.after
        change.simulation.save(update_fields=["expected"])


def bot_simulation_delete(*, simulation: BotSimulation) -> None:
    simulation.delete()
