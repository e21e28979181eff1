from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TranslationConfig(AppConfig):
    name = "translation"
    verbose_name = _("Translation")

    def ready(self) -> None:
        from django.core import checks

        from translation.checks import translation_settings_check

        checks.register(translation_settings_check)
