"""Ships the default trigger, active: when a session that has a lead closes, the
session's data goes into the lead, a new lead becomes "in progress", and the lead's
owner gets a task to qualify it. Admins change or switch it off in the admin."""

from django.db import migrations

NAME = "Qualify the lead when the session closes"


def create(apps, schema_editor):
    Trigger = apps.get_model("bots", "Trigger")
    if Trigger.objects.filter(name=NAME).exists():
        return
    trigger = Trigger.objects.create(
        name=NAME,
        description=(
            "When a chat that produced a lead ends, its details (session, group, operator, "
            "duration, rating) are copied into the lead, a new lead moves to in progress, "
            "and the lead's owner gets a task to qualify it."
        ),
        event="session.closed",
        match="all",
        is_active=True,
        position=100,
    )
    trigger.conditions.create(field="lead.id", operator="is_set", value="", position=0)
    trigger.actions.create(
        type="lead_update",
        position=0,
        params={
            "fields": {
                "session_id": "{session.id}",
                "group": "{session.group.name}",
                "operator": "{session.operator.name}",
                "duration_s": "{session.duration_s}",
                "rating": "{session.rating}",
                "rating_comment": "{session.rating_comment}",
                "close_reason": "{session.close_reason}",
            },
            "status": "in_progress",
            "only_if_status": ["new"],
        },
    )
    trigger.actions.create(
        type="task_create",
        position=1,
        params={
            "title": "Qualify the lead: {lead.title}",
            "description": (
                "The chat with {contact.name} ({session.group.name}, operator "
                "{session.operator.name}) ended. Qualify the lead."
            ),
            "assignee": "lead_owner",
            "due_in_hours": 24,
        },
    )


def remove(apps, schema_editor):
    apps.get_model("bots", "Trigger").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("bots", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
