"""Channel connectors: one package per kind of channel (``email/``...), each behind
``base.Connector``; ``registry.connector_for`` finds the one serving a channel.

Nothing is imported here: ``email`` is also a Django app (it keeps e-mail threading
references), loaded before the models are."""
