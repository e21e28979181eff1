"""Fills the rollups from the conversations' figures already recorded, so that an
installation upgraded with reports on record reads the same figures after the upgrade
(without it, whole days would read from empty rollups until ``reports_rollup_rebuild``
ran). A new database has no figures: nothing to do."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def fill(apps: Any, schema_editor: Any) -> None:
    fact = apps.get_model("reports", "ConversationFact")
    if not fact.objects.using(schema_editor.connection.alias).exists():
        return
    # the rebuild's SQL reads the tables as this migration leaves them (0003); the
    # hourly totals come in 0005, which fills them
    from reports import rollups

    rollups.rollups_rebuild(totals=False)


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_rollups")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
