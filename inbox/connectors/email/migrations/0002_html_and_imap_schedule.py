"""The sanitised HTML of each received e-mail, and the periodic task that reads the IMAP
mailboxes every minute, scheduled in the database so that admins see and change it."""

from django.db import migrations, models

TASK_NAME = "E-mail: read the IMAP mailboxes"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "inbox.email_imap_poll",
            "interval": every,
            "expire_seconds": 55,
            "description": (
                "Stores the unread mail of every e-mail channel with an IMAP mailbox "
                "(imap_host set). Not needed where manage.py mail_imap runs, which waits "
                "for new mail with IDLE; harmless beside it (mail is stored once)."
            ),
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("email_connector", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="emailreference",
            name="html",
            field=models.TextField(
                blank=True,
                help_text="The e-mail's HTML body, sanitised: safe to show; no remote images.",
                verbose_name="formatted text",
            ),
        ),
        migrations.RunPython(schedule, unschedule),
    ]
