"""The Telegram channel: a bot that customers write to, by the Bot API's webhook, and
that sends the inbox's messages back. See docs/telegram.md."""
