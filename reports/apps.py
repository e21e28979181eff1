from django.apps import AppConfig
from django.core import checks as django_checks
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from . import checks, listeners, tasks  # noqa: F401 (tasks: registered by name)

        listeners.register()
        django_checks.register(checks.check_recorder)
