from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = _("Knowledge base")

    def import_models(self) -> None:
        super().import_models()
        # the prompter's records are in their own module (kb.models stays the articles')
        import_module("kb.prompter.models")

    def ready(self) -> None:
        # The faq node of bot flows answers from the knowledge base (bots sits below kb
        # and asks a registry; see docs/architecture.md).
        from django.core import checks

        from bots.flows import faq
        from kb.checks import check_semantic
        from kb.services import matching

        faq.answer_register(matching.faq_answer)
        checks.register(check_semantic)

        from kb import listeners
        from kb.prompter import admin, tasks  # noqa: F401  (admin pages; tasks by name)

        listeners.register()
