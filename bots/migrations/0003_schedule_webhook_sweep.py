"""Schedules the webhook safety net every 30 seconds as a periodic task administrators
see and can change in the admin: due deliveries whose task went missing are queued."""

from django.db import migrations

TASK_NAME = "Webhook deliveries (missed retries)"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=30, period="seconds")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "bots.webhook_deliveries_sweep",
            "interval": every,
            "expire_seconds": 25,
            "description": (
                "Retries are scheduled when an attempt fails; this queues any due delivery "
                "whose retry was lost (a restarted broker, a worker that died mid-attempt)."
            ),
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bots", "0002_default_trigger"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
