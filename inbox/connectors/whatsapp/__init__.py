"""The WhatsApp Cloud API channel (docs/whatsapp.md): ``protocol`` reads Meta's webhooks
(handshake, signature, messages, statuses), ``graph`` talks to the Graph API with httpx,
``render`` turns our messages into Graph API payloads, ``connector`` ties them to the
connector interface."""
