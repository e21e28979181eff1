"""Machine translation behind one provider interface: the providers (``none``, ``fake``,
``libretranslate``), the cache, the circuit breaker, the provider's health and the count
of translated characters per day. It knows nothing of messages: the inbox asks it to
translate texts and decides what to do with the answers (docs/translation.md)."""
