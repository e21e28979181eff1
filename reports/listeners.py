"""Domain-event listeners of the reports app, registered from `AppConfig.ready()`."""


def register() -> None:
    """Subscribe this app's listeners (`contactcenter.events.subscribe`)."""
