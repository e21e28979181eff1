"""The hourly totals (``HourTotal``: every conversation of an hour, with its median and
p90 of first response), filled from the figures already recorded, so that an upgraded
installation's unfiltered ``by=hour`` reads the same figures at once."""

from typing import Any

from django.db import migrations, models


def fill(apps: Any, schema_editor: Any) -> None:
    fact = apps.get_model("reports", "ConversationFact")
    if not fact.objects.using(schema_editor.connection.alias).exists():
        return
    from reports import rollups

    rollups.hour_totals_rebuild()


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0004_rollups_fill'),
    ]

    operations = [
        migrations.CreateModel(
            name='HourTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sessions', models.IntegerField(default=0)),
                ('answered', models.IntegerField(default=0)),
                ('abandoned', models.IntegerField(default=0)),
                ('abandoned_late', models.IntegerField(default=0)),
                ('abandoned_late_bh', models.IntegerField(default=0)),
                ('on_target', models.IntegerField(default=0)),
                ('on_target_bh', models.IntegerField(default=0)),
                ('waits', models.IntegerField(default=0)),
                ('wait_us', models.BigIntegerField(default=0)),
                ('wait_bh_s', models.BigIntegerField(default=0)),
                ('first_us', models.BigIntegerField(default=0)),
                ('first_bh_s', models.BigIntegerField(default=0)),
                ('handled', models.IntegerField(default=0)),
                ('handle_us', models.BigIntegerField(default=0)),
                ('handle_bh_s', models.BigIntegerField(default=0)),
                ('csat_count', models.IntegerField(default=0)),
                ('csat_total', models.IntegerField(default=0)),
                ('csat_good', models.IntegerField(default=0)),
                ('bot', models.IntegerField(default=0)),
                ('bot_resolved', models.IntegerField(default=0)),
                ('bot_handoffs', models.IntegerField(default=0)),
                ('transfers', models.IntegerField(default=0)),
                ('hour', models.DateTimeField(unique=True, verbose_name='hour')),
                ('fr_p50', models.IntegerField(null=True, verbose_name='median first response')),
                ('fr_p90', models.IntegerField(null=True, verbose_name='90th percentile of first response')),
                ('fr_bh_p50', models.IntegerField(null=True, verbose_name='median first response in business hours')),
                ('fr_bh_p90', models.IntegerField(null=True, verbose_name='90th percentile of first response in business hours')),
            ],
            options={
                'verbose_name': 'hourly report total',
                'verbose_name_plural': 'hourly report totals',
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
