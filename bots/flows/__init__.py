"""Button-bot flows, pure: ``validate`` (a flow's problems), ``engine`` (``step``),
``runner`` (``step`` with knowledge-base lookups answered), ``simulate`` (the
simulator in memory), ``faq`` (where answers come from), ``values`` (input checks).
Nothing here touches the database; ``bots.services.flows`` loads and writes around it."""
