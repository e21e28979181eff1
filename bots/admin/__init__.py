"""The bots' admin: triggers and webhooks (``triggers``), and the bot builder
(``flows``: bots edited as nodes, their diagram, versions, the simulator and the saved
simulations)."""

from bots.admin import flows, triggers

__all__ = ["flows", "triggers"]
