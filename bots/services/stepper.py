"""The bots' step lane: what contacts do in ``bot`` sessions, answered in batches.

The listeners hand each step (a session's start, a contact's text, a pressed button) to
``step_submit`` instead of running it in the thread that delivered the event (the
message writer's event thread, a socket's database thread). The lane's thread
(``contactcenter.lanes``) takes what has queued up meanwhile and carries it out with
``runtime.bot_steps``: a handful of queries a batch rather than a dozen a step, so one
process answers hundreds of bot steps a second, and neither the message writer's events
nor the sockets wait for a bot. Steps run in the order they were submitted (a session's
steps keep their order); a batch that fails is run again step by step.
"""

from __future__ import annotations

from bots.services import runtime
from contactcenter import lanes

_lane: lanes.Lane[runtime.Step] = lanes.Lane("bot-steps", runtime.bot_steps)


def step_submit(step: runtime.Step) -> None:
    """Answers ``step`` in the lane's thread, or at once (see ``contactcenter.lanes``)."""
    _lane.submit(step)


def steps_wait(timeout: float = 10.0) -> bool:
    """Waits for the lane to carry out what it was given (tests, shutdown)."""
    return _lane.wait_idle(timeout)
