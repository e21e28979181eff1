"""Domain-event listeners of the kb app, registered from ``KbConfig.ready()``: the
prompter (suggestions for customer messages, feedback found in operators' replies) and
its adjuster of the matcher's rankings."""

from __future__ import annotations

from kb.prompter import listeners as prompter_listeners
from kb.prompter.services import feedback_adjust, feedback_adjust_many, feedback_none
from kb.services import matching


def register() -> None:
    prompter_listeners.register()
    matching.adjuster_register(feedback_adjust, many=feedback_adjust_many, idle=feedback_none)
