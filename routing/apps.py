from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = _("Routing")

    def ready(self) -> None:
        # tasks: registered by name in every process, for contactcenter.jobs
        from . import listeners, tasks  # noqa: F401

        listeners.register()
