"""Domain-event listeners of the routing app, registered from `AppConfig.ready()`."""


def register() -> None:
    """Subscribe this app's listeners (`contactcenter.events.subscribe`)."""
