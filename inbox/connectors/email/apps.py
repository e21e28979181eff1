from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmailConnectorConfig(AppConfig):
    """The e-mail connector is an app of its own only to keep its threading references
    (``EmailReference``) next to its code."""

    name = "inbox.connectors.email"
    label = "email_connector"
    verbose_name = _("E-mail channel")
    default_auto_field = "django.db.models.BigAutoField"
