from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BotsConfig(AppConfig):
    name = "bots"
    verbose_name = _("Bots and automation")

    def ready(self) -> None:
        # tasks: registered by name in every process, for contactcenter.jobs
        from . import listeners, tasks  # noqa: F401

        listeners.register()
