"""Writes of the inbox app: channel rules (``channels``), conversations
(``conversations``: visitors, messages, closing), the one store of a contact's messages
(``batching``), the checks every message passes (``validators``), a session's handling state
(``sessions``: opening, assignment, queue, priority), transfers (``transfers``) and the
delivery status of messages sent through connectors (``deliveries``) and the translation
of messages (``translations``).
Import from here."""

from inbox.services.channels import (
    channel_config_clean,
    channel_origins_clean,
    channel_secret_rotate,
    channel_secrets_generate,
)
from inbox.services.channels_intake import (
    channel_dialog_resolve,
    channel_incoming,
    channel_message_receive,
    dialog_contact_verified_link,
)
from inbox.services.conversations import (
    BotSay,
    MessageRejected,
    Stored,
    bot_message_send,
    bot_messages_send,
    button_press,
    contact_attachment_receive,
    contact_message_receive,
    operator_attachment_send,
    operator_message_send,
    operator_note_add,
    session_close,
    session_mark_read,
    session_rate,
    session_topic_choose,
    system_message_send,
    token_hash,
    widget_visitor_create,
)
from inbox.services.deliveries import (
    message_send_retry,
    message_status_by_channel_id,
    message_status_set,
    outgoing_status,
)
from inbox.services.labels import (
    label_create,
    label_delete,
    label_update,
    session_label_add,
    session_label_remove,
    session_labels_carry,
    session_labels_set,
)
from inbox.services.sessions import (
    session_continue,
    session_enqueue,
    session_group_set,
    session_offline_notice_claim,
    session_open,
    session_priority_set,
    session_unassign,
    sessions_assign_batch,
)
from inbox.services.transfers import session_transfer
from inbox.services.translation_plans import reply_translation_start
from inbox.services.translations import (
    contact_message_translate,
    dialog_language_set,
    message_translation_retry,
    reply_translate,
)
from inbox.services.validators import (
    MAX_CLIENT_ID,
    MAX_TEXT,
    bot_id_clean,
    buttons_clean,
    caption_clean,
    client_id_clean,
    file_clean,
    text_clean,
)
from inbox.services.visitors import widget_visitor_context_update
from inbox.services.windows import (
    WindowClosed,
    reply_window_closes_at,
    reply_window_open,
    reply_window_require,
)

__all__ = [
    "MAX_CLIENT_ID",
    "MAX_TEXT",
    "BotSay",
    "MessageRejected",
    "Stored",
    "WindowClosed",
    "bot_id_clean",
    "bot_message_send",
    "bot_messages_send",
    "button_press",
    "buttons_clean",
    "caption_clean",
    "channel_config_clean",
    "channel_dialog_resolve",
    "channel_incoming",
    "channel_message_receive",
    "channel_origins_clean",
    "channel_secret_rotate",
    "channel_secrets_generate",
    "client_id_clean",
    "contact_attachment_receive",
    "contact_message_receive",
    "contact_message_translate",
    "dialog_contact_verified_link",
    "dialog_language_set",
    "file_clean",
    "label_create",
    "label_delete",
    "label_update",
    "message_send_retry",
    "message_status_by_channel_id",
    "message_status_set",
    "message_translation_retry",
    "operator_attachment_send",
    "operator_message_send",
    "operator_note_add",
    "outgoing_status",
    "reply_translate",
    "reply_translation_start",
    "reply_window_closes_at",
    "reply_window_open",
    "reply_window_require",
    "session_close",
    "session_continue",
    "session_enqueue",
    "session_group_set",
    "session_label_add",
    "session_label_remove",
    "session_labels_carry",
    "session_labels_set",
    "session_mark_read",
    "session_offline_notice_claim",
    "session_open",
    "session_priority_set",
    "session_rate",
    "session_topic_choose",
    "session_transfer",
    "session_unassign",
    "sessions_assign_batch",
    "system_message_send",
    "text_clean",
    "token_hash",
    "widget_visitor_context_update",
    "widget_visitor_create",
]
