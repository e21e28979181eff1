"""factory_boy factories for the domain model, shared by every test module."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group as AuthGroup

from contactcenter import roles
from crm.models import ChannelType, Contact, ContactIdentity, Lead, Pipeline, Stage
from inbox.models import Channel, Dialog, Message, SenderType, Session, SessionStatus
from routing.models import Group, GroupMembership, Operator, Topic

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        for name in extracted or ():
            self.groups.add(AuthGroup.objects.get_or_create(name=name)[0])
        if create:
            self.save()


class AdminUserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class CrmManagerFactory(UserFactory):
    @factory.post_generation
    def crm_role(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        self.groups.add(AuthGroup.objects.get_or_create(name=roles.CRM_MANAGERS)[0])


class OperatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Operator

    user = factory.SubFactory(UserFactory)
    display_name = factory.Faker("first_name")


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Group {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupMembership

    group = factory.SubFactory(GroupFactory)
    operator = factory.SubFactory(OperatorFactory)
    position = factory.Sequence(lambda n: n)


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    type = ChannelType.WIDGET
    name = factory.Sequence(lambda n: f"Channel {n}")
    default_group = factory.SubFactory(GroupFactory)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    channel = factory.SubFactory(ChannelFactory)
    title = factory.Sequence(lambda n: f"Topic {n}")
    group = factory.SubFactory(GroupFactory)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"customer{n}@example.org")


class IdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactIdentity

    contact = factory.SubFactory(ContactFactory)
    channel_type = ChannelType.WIDGET
    external_id = factory.Sequence(lambda n: f"visitor-{n}")


class DialogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dialog

    channel = factory.SubFactory(ChannelFactory)
    identity = factory.SubFactory(IdentityFactory)
    contact = factory.SelfAttribute("identity.contact")


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    dialog = factory.SubFactory(DialogFactory)
    group = factory.SelfAttribute("dialog.channel.default_group")
    status = SessionStatus.QUEUED


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    session = factory.SubFactory(SessionFactory)
    dialog = factory.SelfAttribute("session.dialog")
    sender_type = SenderType.CONTACT
    text = factory.Faker("sentence")


class PipelineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pipeline
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Pipeline {n}")


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage

    pipeline = factory.SubFactory(PipelineFactory)
    name = factory.Sequence(lambda n: f"Stage {n}")
    position = factory.Sequence(lambda n: n)


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    contact = factory.SubFactory(ContactFactory)
    title = factory.Faker("catch_phrase")
    pipeline = factory.SubFactory(PipelineFactory)
