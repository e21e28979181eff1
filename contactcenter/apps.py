from django.apps import AppConfig
from django.core import checks


class ContactCenterConfig(AppConfig):
    name = "contactcenter"
    verbose_name = "Contact center"

    def ready(self) -> None:
        checks.register(check_configuration, checks.Tags.security, deploy=True)
        from contactcenter import credentials

        credentials.connect()


def check_configuration(app_configs, **kwargs):  # type: ignore[no-untyped-def]
    """Deployment checks for what the environment must provide in production."""
    from django.conf import settings

    problems = []
    if not settings.SECRET_KEY_FROM_ENV:
        problems.append(
            checks.Warning(
                "SECRET_KEY is not set in the environment; a key kept under var/ is used.",
                hint="Set SECRET_KEY to a long random value in production.",
                id="contactcenter.W001",
            )
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(
            checks.Warning(
                "The database is the embedded SQLite file.",
                hint="Set DATABASE_URL to a PostgreSQL database in production.",
                id="contactcenter.W002",
            )
        )
    if settings.IN_PROCESS or settings.REDIS_IS_EMBEDDED:
        problems.append(
            checks.Warning(
                "Redis is the embedded server or the in-process stand-in.",
                hint="Set REDIS_URL to a Redis server in production.",
                id="contactcenter.W003",
            )
        )
    return problems
