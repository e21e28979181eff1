"""Schedules the routing sweep (timeouts, grace periods, working hours) every second as
a periodic task that administrators see and can change in the admin."""

from django.db import migrations

TASK_NAME = "Routing timers (timeouts, presence, working hours)"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period="seconds")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "routing.sweep",
            "interval": every_second,
            "expire_seconds": 5,  # a sweep not started within 5 s is dropped, not piled up
            "description": (
                "Moves unanswered chats on, closes inactive ones, returns chats of operators "
                "gone past the grace period and hands out queues when a group opens. Every "
                "timeout fires within this interval of its setting."
            ),
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0003_routing_engine"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
