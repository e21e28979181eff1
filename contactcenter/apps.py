from typing import Any

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.contrib.auth import apps as auth_apps
from django.core import checks
from django.utils.translation import gettext_lazy as _
from django_celery_beat import apps as beat_apps


class ContactCenterConfig(AppConfig):
    default = True
    name = "contactcenter"
    verbose_name = "Contact center"

    def ready(self) -> None:
        checks.register(check_configuration, checks.Tags.security, deploy=True)
        third_party_models_name()
        from contactcenter import credentials

        credentials.connect()


class ContactCenterAdminConfig(admin_apps.AdminConfig):
    """The admin with the contact center's own site: sections in business order."""

    default = False
    default_site = "contactcenter.adminsite.ContactCenterAdminSite"


class UsersAndRolesConfig(auth_apps.AuthConfig):
    """Django's users and permission groups, named as an admin of a contact center reads
    them: the groups are roles (admins, supervisors, CRM managers), not operator groups."""

    default = False
    verbose_name = _("Users and roles")


class ScheduledJobsConfig(beat_apps.BeatConfig):
    """django-celery-beat: the schedule of periodic work, a technical section."""

    default = False
    verbose_name = _("System: scheduled jobs")


def third_party_models_name() -> None:
    """Names that say what a third-party model is to a contact center: Django's
    permission groups are roles, DRF's tokens are API tokens. Only the names the admin
    shows change: migrations read ``_meta.original_attrs``, which stay as shipped, so no
    migration of those apps follows from this."""
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import TokenProxy

    Group._meta.verbose_name = _("role (user group)")
    Group._meta.verbose_name_plural = _("roles (user groups)")
    TokenProxy._meta.verbose_name = _("API token")
    TokenProxy._meta.verbose_name_plural = _("API tokens")


def check_configuration(app_configs: Any, **kwargs: Any) -> list[Any]:
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
