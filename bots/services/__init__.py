"""Writes of the bots app. ``triggers``: evaluating and running triggers, the dry run;
``deliveries``: outbound webhook deliveries and their attempts; ``automation``: saving
and deleting triggers and subscriptions; ``flows``: button bots, their versions and the
simulator. Import from here."""

from bots.services.automation import (
    trigger_save,
    triggers_delete,
    webhook_subscription_save,
    webhook_subscriptions_delete,
)
from bots.services.deliveries import (
    MAX_ATTEMPTS,
    TRIGGER_EVENT,
    backoff_s,
    webhook_deliveries_sweep,
    webhook_delivery_create,
    webhook_delivery_resend,
    webhook_delivery_send,
    webhook_event_deliver,
)
from bots.services.flows import (
    FlowInvalid,
    bot_create,
    bot_delete,
    bot_simulate,
    bot_update,
    bot_version_restore,
    flow_check,
)
from bots.services.triggers import (
    DryRun,
    event_react,
    trigger_check,
    triggers_dry_run,
    triggers_run,
)

__all__ = [
    "MAX_ATTEMPTS",
    "TRIGGER_EVENT",
    "DryRun",
    "FlowInvalid",
    "backoff_s",
    "bot_create",
    "bot_delete",
    "bot_simulate",
    "bot_update",
    "bot_version_restore",
    "event_react",
    "flow_check",
    "trigger_check",
    "trigger_save",
    "triggers_delete",
    "triggers_dry_run",
    "triggers_run",
    "webhook_deliveries_sweep",
    "webhook_delivery_create",
    "webhook_delivery_resend",
    "webhook_delivery_send",
    "webhook_event_deliver",
    "webhook_subscription_save",
    "webhook_subscriptions_delete",
]
