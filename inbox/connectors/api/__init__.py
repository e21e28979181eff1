"""The API channel: a company's own apps (a mobile app, a portal, another chat system)
send their users' messages with a bearer secret (``views``, ``inbound``) and get every
message to those users as a signed webhook (``connector``) or by polling. See
docs/api-channel.md."""
