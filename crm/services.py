"""Writes of the crm app: contacts, their identities and contact merge; pipelines and
their stages; leads; tasks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contactcenter import events
from contactcenter.api_common import StateConflict
from crm.models import (
    OPEN_LEAD_STATUSES,
    Contact,
    ContactIdentity,
    Lead,
    LeadNote,
    LeadStatus,
    Pipeline,
    Stage,
    Task,
)


class IdentitySpec(TypedDict):
    channel_type: str
    external_id: str


CONTACT_FIELDS = ("name", "email", "phone", "attributes")


@transaction.atomic
def contact_create(
    *,
    name: str = "",
    email: str = "",
    phone: str = "",
    attributes: dict[str, Any] | None = None,
    identities: Sequence[IdentitySpec] = (),
) -> Contact:
    """Creates a contact with its identities; an identity that already belongs to a
    contact is a conflict (``StateConflict``)."""
    contact = Contact(name=name, email=email, phone=phone, attributes=attributes or {})
    contact.full_clean()
    contact.save()
    for spec in identities:
        _identity_add(contact=contact, spec=spec)
    events.emit(events.ContactCreated(contact_id=contact.pk))
    return contact


def _identity_add(*, contact: Contact, spec: IdentitySpec) -> ContactIdentity:
    identity = ContactIdentity(contact=contact, **spec)
    identity.full_clean(exclude=["contact"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            identity.save()
    except IntegrityError:
        raise StateConflict(
            _("The identity %(type)s %(id)s already belongs to another contact.")
            % {"type": spec["channel_type"], "id": spec["external_id"]}
        ) from None
    return identity


@transaction.atomic
def contact_update(*, contact: Contact, data: dict[str, Any]) -> Contact:
    """Changes the fields present in ``data`` (``name``, ``email``, ``phone``,
    ``attributes``, the last replaced as a whole)."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.merged_into_id is not None:
        raise StateConflict(_("This contact was merged into another."))
    changed = tuple(f for f in CONTACT_FIELDS if f in data and getattr(contact, f) != data[f])
    for field in changed:
        setattr(contact, field, data[field])
    contact.full_clean()
    if changed:
        contact.save()
        events.emit(events.ContactUpdated(contact_id=contact.pk, changed=changed))
    return contact


# Bounds of a contact's attributes when a channel adds to them (the API channel):
# enough for a company's profile fields, small enough for every page that shows them.
MAX_ATTRIBUTES = 100


@transaction.atomic
def contact_attributes_merge(*, contact: Contact, attributes: dict[str, Any]) -> Contact:
    """Adds ``attributes`` to the contact's, replacing values under the same keys and
    keeping the others (``contact_update`` replaces them as a whole). ``ValidationError``
    when the result would hold more than ``MAX_ATTRIBUTES`` keys. A merged contact's
    survivor takes them."""
    contact = _live(Contact.objects.get(pk=contact.pk))
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    merged = {**(contact.attributes or {}), **attributes}
    _attributes_bounded(merged)
    if merged == (contact.attributes or {}):
        return contact
    return contact_update(contact=contact, data={"attributes": merged})


def _attributes_bounded(attributes: dict[str, Any]) -> None:
    if len(attributes) > MAX_ATTRIBUTES:
        raise ValidationError(
            {
                "attributes": [
                    ngettext(
                        "A contact holds at most %(n)d attribute; this would make %(count)d.",
                        "A contact holds at most %(n)d attributes; this would make %(count)d.",
                        MAX_ATTRIBUTES,
                    )
                    % {"n": MAX_ATTRIBUTES, "count": len(attributes)}
                ]
            }
        )


# (contact id, field, value): field ``name``, ``email``, ``phone`` or ``attributes.<key>``
ContactValue = tuple[int, str, Any]


@transaction.atomic
def contacts_values_set(values: list[ContactValue]) -> dict[int, ValidationError]:
    """Sets single fields on several contacts at once (what bots collect), in order: one
    query locks the contacts (in id order), then each changed contact is checked as
    ``contact_update`` checks it, saved in one statement and announced
    (``ContactUpdated``). A merged contact's survivor takes its values. Returns, by index
    in ``values``, the refusals: a contact that fails its checks keeps none of this
    call's values; the others are kept."""
    refused: dict[int, ValidationError] = {}
    targets = _locked_live(sorted({contact_id for contact_id, _, _ in values}))
    before: dict[int, tuple[Contact, dict[str, Any]]] = {}
    indexes: dict[int, list[int]] = {}
    for index, (contact_id, field, value) in enumerate(values):
        contact = targets.get(contact_id)
        if contact is None or not _value_set(contact, field, value, before):
            refused[index] = ValidationError(_("No such contact or field: %s") % field)
            continue
        indexes.setdefault(contact.pk, []).append(index)
    for pk, (contact, was) in before.items():
        changed = tuple(f for f in CONTACT_FIELDS if getattr(contact, f) != was[f])
        if not changed:
            continue
        try:
            _attributes_bounded(contact.attributes or {})
            contact.full_clean()
        except ValidationError as failure:
            refused.update(dict.fromkeys(indexes[pk], failure))
            continue
        contact.save(update_fields=[*changed, "updated_at"])
        events.emit(events.ContactUpdated(contact_id=pk, changed=changed))
    return refused


def _locked_live(contact_ids: list[int]) -> dict[int, Contact]:
    """The contacts, locked, each as the live contact it is now (a merged one as its
    survivor, one object per survivor), by the id asked for."""
    rows = list(Contact.objects.select_for_update().filter(pk__in=contact_ids).order_by("pk"))
    objects: dict[int, Contact] = {c.pk: c for c in rows if c.merged_into_id is None}
    asked: dict[int, Contact] = {}
    for contact in rows:
        if contact.merged_into_id is None:
            asked[contact.pk] = contact
            continue
        survivor = _live(contact).pk
        if survivor not in objects:
            objects[survivor] = Contact.objects.select_for_update().get(pk=survivor)
        asked[contact.pk] = objects[survivor]
    return asked


def _value_set(
    contact: Contact, field: str, value: Any, before: dict[int, tuple[Contact, dict[str, Any]]]
) -> bool:
    """Sets one value on ``contact`` in memory, keeping what it had in ``before``; False
    for a field that is not a contact's."""
    if field not in ("name", "email", "phone") and not field.startswith("attributes."):
        return False
    if contact.pk not in before:
        was = {f: getattr(contact, f) for f in CONTACT_FIELDS}
        before[contact.pk] = (contact, {**was, "attributes": dict(was["attributes"] or {})})
    if field.startswith("attributes."):
        contact.attributes = {
            **(contact.attributes or {}),
            field.removeprefix("attributes."): value,
        }
    else:
        setattr(contact, field, value)
    return True


@transaction.atomic
def contact_merge(*, target: Contact, source: Contact) -> Contact:
    """Folds ``source`` into ``target``: its identities, dialogs, leads and tasks move to
    the target; attributes are merged with the target's values winning; the target's
    empty name, e-mail and phone are filled from the source. The source is then marked
    ``merged_into`` the target and hidden everywhere.

    Both rows are locked in id order, so two merges of the same pair cannot deadlock nor
    fold contacts into each other."""
    if target.pk == source.pk:
        raise ValidationError({"source": [_("A contact cannot be merged into itself.")]})
    locked = {
        c.pk: c
        for c in Contact.objects.select_for_update()
        .filter(pk__in=[target.pk, source.pk])
        .order_by("pk")
    }
    target, source = locked[target.pk], locked[source.pk]
    if target.merged_into_id is not None:
        raise ValidationError({"non_field_errors": [_("This contact was merged into another.")]})
    if source.merged_into_id is not None:
        raise ValidationError({"source": [_("That contact was already merged into another.")]})

    source.identities.update(contact=target)
    source.dialogs.update(contact=target)  # inbox.Dialog, by its reverse relation
    source.leads.update(contact=target)
    source.tasks.update(contact=target)
    source.merged_contacts.update(merged_into=target)
    _merge_suggestions_fold(target=target, source=source)

    target.attributes = {**(source.attributes or {}), **(target.attributes or {})}
    for field in ("name", "email", "phone"):
        if not getattr(target, field):
            setattr(target, field, getattr(source, field))
    target.save()
    source.merged_into = target
    source.save(update_fields=["merged_into", "updated_at"])
    events.emit(events.ContactsMerged(contact_id=target.pk, merged_contact_id=source.pk))
    return target


# --- pipelines and stages ----------------------------------------------------------------


class StageSpec(TypedDict, total=False):
    id: int
    name: str


# Used once, when a lead is created before anyone configured a pipeline, so that the
# inbox's "Create lead" works on a fresh install. Admins rename or replace it freely.
DEFAULT_PIPELINE_NAME = "Sales"
DEFAULT_STAGE_NAMES = ("New", "Contacted", "Proposal", "Negotiation", "Closing")


def pipeline_get_default() -> Pipeline:
    """The pipeline new leads go to: the one marked default, else the first by name; when
    there is no pipeline at all, a default "Sales" pipeline with a few stages is made."""
    pipeline = Pipeline.objects.filter(is_default=True).first() or Pipeline.objects.first()
    if pipeline is not None:
        return pipeline
    try:
        with transaction.atomic():
            pipeline = Pipeline.objects.create(name=DEFAULT_PIPELINE_NAME, is_default=True)
            Stage.objects.bulk_create(
                Stage(pipeline=pipeline, name=name, position=i)
                for i, name in enumerate(DEFAULT_STAGE_NAMES)
            )
    except IntegrityError:  # another request made it first
        pipeline = Pipeline.objects.filter(is_default=True).first() or Pipeline.objects.first()
        if pipeline is None:
            raise
    return pipeline


def _first_stage(pipeline: Pipeline) -> Stage | None:
    return pipeline.stages.order_by("position", "id").first()


def _save_pipeline(pipeline: Pipeline) -> None:
    if pipeline.is_default:
        # one default at a time: the flag moves here (the partial unique constraint
        # turns a simultaneous move into a conflict rather than two defaults)
        Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)
    try:
        with transaction.atomic():
            pipeline.save()
    except IntegrityError:
        raise StateConflict(_("The pipeline was changed at the same time; try again.")) from None


def _stages_set(*, pipeline: Pipeline, specs: Sequence[StageSpec]) -> None:
    """Makes the pipeline's stages the list given, in its order: an entry with an ``id``
    renames and moves that stage, one without creates a stage, stages left out are
    deleted (a stage that still holds leads cannot be: ``ProtectedError``, a 409)."""
    names = [spec["name"] for spec in specs]
    if len(set(names)) != len(names):
        raise ValidationError({"stages": [_("Two stages have the same name.")]})
    existing = {stage.pk: stage for stage in pipeline.stages.select_for_update()}
    kept = [spec["id"] for spec in specs if "id" in spec]
    unknown = set(kept) - existing.keys()
    if unknown or len(set(kept)) != len(kept):
        raise ValidationError({"stages": [_("Each stage id must be a stage of this pipeline.")]})
    pipeline.stages.exclude(pk__in=kept).delete()
    # Renames may swap names; park the kept stages under names no one types first.
    pipeline.stages.filter(pk__in=kept).update(
        name=Concat(Value("\x01"), Cast("pk", output_field=CharField()))
    )
    for position, spec in enumerate(specs):
        stage = existing[spec["id"]] if "id" in spec else Stage(pipeline=pipeline)
        stage.name, stage.position = spec["name"], position
        stage.full_clean(exclude=["pipeline"], validate_constraints=False)
        stage.save()


@transaction.atomic
def pipeline_create(
    *, name: str, is_default: bool = False, stages: Sequence[StageSpec] = ()
) -> Pipeline:
    """A pipeline with its stages in the order given; ``is_default`` takes the default
    flag from the pipeline that had it."""
    pipeline = Pipeline(name=name, is_default=is_default)
    pipeline.full_clean(validate_constraints=False)
    _save_pipeline(pipeline)
    _stages_set(pipeline=pipeline, specs=[{"name": s["name"]} for s in stages])
    return pipeline


@transaction.atomic
def pipeline_update(*, pipeline: Pipeline, data: dict[str, Any]) -> Pipeline:
    """Changes ``name`` and ``is_default`` when present; ``stages``, when present,
    replace the list (see ``_stages_set``)."""
    pipeline = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    for field in ("name", "is_default"):
        if field in data:
            setattr(pipeline, field, data[field])
    pipeline.full_clean(validate_constraints=False)
    _save_pipeline(pipeline)
    if "stages" in data:
        _stages_set(pipeline=pipeline, specs=data["stages"])
    return pipeline


@transaction.atomic
def pipeline_delete(*, pipeline: Pipeline) -> None:
    """Deletes a pipeline without leads (``ProtectedError`` otherwise, a 409)."""
    pipeline.delete()


# --- leads ------------------------------------------------------------------------------

LEAD_FIELDS = ("title", "session", "pipeline", "stage", "owner", "status", "fields")


def _check_session(*, session: Any, contact: Contact) -> None:
    # The session is an inbox.Session, reached through the lead's string foreign key.
    if session is not None and session.dialog.contact_id != contact.pk:
        raise ValidationError(
            {"session": [_("The session is not a conversation of this contact.")]}
        )


def _check_stage(*, pipeline: Pipeline, stage: Stage | None) -> None:
    if stage is not None and stage.pipeline_id != pipeline.pk:
        raise ValidationError({"stage": [_("The stage is not a stage of the lead's pipeline.")]})
    if stage is None and pipeline.stages.exists():
        raise ValidationError({"stage": [_("Choose a stage of the lead's pipeline.")]})


class LeadDuplicate(StateConflict):
    """An open lead of the same contact from the same conversation (or, without a
    conversation, with the same title) already exists: a second click, a resent request."""

    def __init__(self, lead: Lead) -> None:
        super().__init__(
            _("This customer already has an open lead from this conversation: “%(title)s”.")
            % {"title": lead.title}
        )
        self.lead = lead


def _open_duplicate(*, contact: Contact, session: Any, title: str) -> Lead | None:
    leads = Lead.objects.filter(contact=contact, status__in=OPEN_LEAD_STATUSES)
    if session is not None:
        return leads.filter(session=session).order_by("id").first()
    return leads.filter(session__isnull=True, title=title).order_by("id").first()


@transaction.atomic
def lead_create(
    *,
    contact: Contact,
    title: str,
    owner: Any = None,
    session: Any = None,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    status: str = LeadStatus.NEW,
    fields: dict[str, Any] | None = None,
) -> Lead:
    """A lead for ``contact``. Without a pipeline it goes to the stage's pipeline, else
    the default one (``pipeline_get_default``); without a stage, to the first stage of
    its pipeline. The stage must belong to the pipeline and the session to the contact.

    One open lead per contact and conversation (per contact and title without one): a
    repeat raises ``LeadDuplicate`` naming the existing lead. The contact's row is locked
    first, so two requests at once cannot both pass the check."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.merged_into_id is not None:
        raise ValidationError({"contact": [_("This contact was merged into another.")]})
    existing = _open_duplicate(contact=contact, session=session, title=title)
    if existing is not None:
        raise LeadDuplicate(existing)
    if pipeline is None:
        pipeline = stage.pipeline if stage is not None else pipeline_get_default()
    if stage is None:
        stage = _first_stage(pipeline)
    _check_stage(pipeline=pipeline, stage=stage)
    _check_session(session=session, contact=contact)
    lead = Lead(
        contact=contact,
        session=session,
        title=title,
        pipeline=pipeline,
        stage=stage,
        owner=owner,
        status=status,
        fields=fields or {},
    )
    lead.full_clean()
    lead.save()
    events.emit(events.LeadCreated(lead_id=lead.pk))
    return lead


@transaction.atomic
def lead_update(*, lead: Lead, data: dict[str, Any]) -> Lead:
    """Changes the fields present in ``data`` (``title``, ``session``, ``pipeline``,
    ``stage``, ``owner``, ``status``, ``fields``, the last replaced as a whole). A new
    pipeline without a stage puts the lead on the pipeline's first stage. A stage change
    emits ``LeadStageChanged`` once the transaction commits."""
    lead = Lead.objects.select_for_update().select_related("contact").get(pk=lead.pk)
    from_stage_id = lead.stage_id
    if "pipeline" in data and data["pipeline"].pk != lead.pipeline_id and "stage" not in data:
        data = {**data, "stage": _first_stage(data["pipeline"])}
    for field in LEAD_FIELDS:
        if field in data:
            setattr(lead, field, data[field])
    if "pipeline" in data or "stage" in data:
        _check_stage(pipeline=lead.pipeline, stage=lead.stage)
    if "session" in data:
        _check_session(session=lead.session, contact=lead.contact)
    lead.full_clean()
    lead.save()
    if lead.stage_id != from_stage_id:
        events.emit(
            events.LeadStageChanged(
                lead_id=lead.pk, from_stage_id=from_stage_id, to_stage_id=lead.stage_id
            )
        )
    return lead


@transaction.atomic
def lead_note_add(*, lead: Lead, author: Any, text: str) -> LeadNote:
    """A note on the lead, signed by ``author``; blank text is refused."""
    note = LeadNote(lead=lead, author=author, text=text.replace("\x00", "").strip())
    note.full_clean()
    note.save()
    return note


# --- tasks ------------------------------------------------------------------------------

TASK_FIELDS = ("title", "description", "lead", "contact", "assignee", "due_at")


def _check_task_subject(task: Task) -> None:
    if task.lead is not None and task.contact is None:
        task.contact = task.lead.contact
    if task.lead is not None and task.lead.contact_id != task.contact_id:
        raise ValidationError({"contact": [_("The task's lead belongs to another contact.")]})


@transaction.atomic
def task_create(
    *,
    title: str,
    assignee: Any = None,
    due_at: Any = None,
    description: str = "",
    lead: Lead | None = None,
    contact: Contact | None = None,
) -> Task:
    """A to-do, about a lead or a contact or nothing in particular; a task about a lead
    is about the lead's contact too."""
    task = Task(
        title=title,
        description=description,
        lead=lead,
        contact=contact,
        assignee=assignee,
        due_at=due_at,
    )
    _check_task_subject(task)
    task.full_clean()
    task.save()
    return task


@transaction.atomic
def task_update(*, task: Task, data: dict[str, Any]) -> Task:
    """Changes the fields present in ``data``; ``done`` (a boolean) marks the task done
    or not done (see ``task_done``)."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    for field in TASK_FIELDS:
        if field in data:
            setattr(task, field, data[field])
    if "lead" in data or "contact" in data:
        _check_task_subject(task)
    task.full_clean()
    task.save()
    if "done" in data:
        task = task_done(task=task, done=data["done"])
    return task


@transaction.atomic
def task_done(*, task: Task, done: bool = True) -> Task:
    """Marks the task done (keeping the first time it was) or not done again."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if done and task.done_at is None:
        task.done_at = timezone.now()
        task.save(update_fields=["done_at"])
    elif not done and task.done_at is not None:
        task.done_at = None
        task.save(update_fields=["done_at"])
    return task


def task_delete(*, task: Task) -> None:
    task.delete()


# --- identity: resolving identities, linking verified details, merge suggestions --------
# (IdentityPolicy, MergeSuggestion; the inbox's intake points call these.)

from django.db.models import Q  # noqa: E402

from crm.models import (  # noqa: E402
    ChannelType,
    IdentityPolicy,
    LinkPolicy,
    MergeReason,
    MergeResolution,
    MergeSuggestion,
)


def identity_external_id_normalize(*, channel_type: str, external_id: str) -> str:
    """E-mail addresses are one identity whatever their case; other ids are kept as is."""
    external_id = external_id.strip()
    return external_id.lower() if channel_type == ChannelType.EMAIL else external_id


def contact_identity_resolve(
    *, channel_type: str, external_id: str, name: str = "", email: str = "", phone: str = ""
) -> Contact:
    """The contact owning the identity, else a new contact with it (``name``, ``email``
    and ``phone`` fill the new one only). Two first messages of one identity at once make
    one contact: the loser of the unique identity insert reads the winner's."""
    external_id = identity_external_id_normalize(channel_type=channel_type, external_id=external_id)
    lookup = {"channel_type": channel_type, "external_id": external_id}
    identity = ContactIdentity.objects.select_related("contact").filter(**lookup).first()
    if identity is not None:
        return identity.contact
    try:
        with transaction.atomic():
            return contact_create(
                name=name[:200],
                email=email,
                phone=phone[:32],
                identities=[{"channel_type": channel_type, "external_id": external_id}],
            )
    except (IntegrityError, StateConflict):
        return ContactIdentity.objects.select_related("contact").get(**lookup).contact


def _live(contact: Contact) -> Contact:
    """The contact a merged one was folded into (merges may chain), else itself."""
    seen = set()
    while contact.merged_into_id is not None and contact.pk not in seen:
        seen.add(contact.pk)
        contact = Contact.objects.get(pk=contact.merged_into_id)
    return contact


def _contact_with_same(*, contact: Contact, email: str, phone: str) -> tuple[Contact, str] | None:
    """The oldest other live contact that already has this e-mail (as its address or an
    e-mail identity) or this phone, with the reason."""
    others = Contact.objects.live().exclude(pk=contact.pk).order_by("pk")
    if email:
        match = (
            others.filter(
                Q(email__iexact=email)
                | Q(identities__channel_type=ChannelType.EMAIL, identities__external_id=email)
            )
            .distinct()
            .first()
        )
        if match is not None:
            return match, MergeReason.EMAIL
    if phone:
        match = others.filter(phone=phone).first()
        if match is not None:
            return match, MergeReason.PHONE
    return None


def contact_verified_link(*, contact: Contact, email: str = "", phone: str = "") -> Contact:
    """Applies the admin's ``IdentityPolicy`` once ``contact`` is known to own ``email``
    or ``phone`` (a pre-chat form, an e-mail's sender, a bot). An empty field of the
    contact takes the value. When another live contact already has it: "link" merges
    ``contact`` into that one and returns the survivor; "suggest" records a
    ``MergeSuggestion`` for operators and returns ``contact``."""
    email, phone = email.strip().lower(), phone.strip()
    contact = _live(Contact.objects.get(pk=contact.pk))
    given = {"email": email, "phone": phone}
    missing = {field: v for field, v in given.items() if v and not getattr(contact, field)}
    if missing:
        try:
            contact = contact_update(contact=contact, data=missing)
        except ValidationError:  # not an address or number a contact may hold: keep as is
            missing = {}
    match = _contact_with_same(contact=contact, email=email, phone=phone)
    if match is None:
        return contact
    existing, reason = match
    if IdentityPolicy.current().link_policy == LinkPolicy.LINK:
        try:
            return contact_merge(target=existing, source=contact)
        except ValidationError:  # one of them was merged meanwhile: follow it
            return _live(Contact.objects.get(pk=contact.pk))
    merge_suggestion_create(contact=contact, candidate=existing, reason=reason)
    return contact


def merge_suggestion_create(
    *, contact: Contact, candidate: Contact, reason: str
) -> MergeSuggestion | None:
    """Proposes folding ``contact`` into ``candidate``; nothing new when the pair was
    already proposed (even if dismissed)."""
    pair = Q(contact=contact, candidate=candidate) | Q(contact=candidate, candidate=contact)
    if MergeSuggestion.objects.filter(pair).exists():
        return None
    try:
        with transaction.atomic():
            return MergeSuggestion.objects.create(
                contact=contact, candidate=candidate, reason=reason
            )
    except IntegrityError:  # proposed at the same moment by another message
        return None


@transaction.atomic
def merge_suggestion_accept(*, suggestion: MergeSuggestion) -> Contact:
    """Folds the suggestion's contact into its candidate (``contact_merge``) and returns
    the survivor. ``StateConflict`` when the suggestion is already resolved."""
    suggestion = MergeSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.resolved:
        raise StateConflict(_("This suggestion was already handled."))
    target = contact_merge(target=suggestion.candidate, source=suggestion.contact)
    suggestion.refresh_from_db()
    return target


@transaction.atomic
def merge_suggestion_dismiss(*, suggestion: MergeSuggestion) -> MergeSuggestion:
    """Marks the suggestion dismissed; the pair is not proposed again."""
    suggestion = MergeSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.resolved:
        raise StateConflict(_("This suggestion was already handled."))
    suggestion.resolved = True
    suggestion.resolution = MergeResolution.DISMISSED
    suggestion.resolved_at = timezone.now()
    suggestion.save(update_fields=["resolved", "resolution", "resolved_at"])
    return suggestion


def _merge_suggestions_fold(*, target: Contact, source: Contact) -> None:
    """Inside ``contact_merge``: suggestions between the pair are resolved as merged;
    open ones naming the source now name the target, unless that would pair the target
    with itself or repeat a pair."""
    now = timezone.now()
    pair = Q(contact=source, candidate=target) | Q(contact=target, candidate=source)
    MergeSuggestion.objects.filter(pair, resolved=False).update(
        resolved=True, resolution=MergeResolution.MERGED, resolved_at=now
    )
    for suggestion in MergeSuggestion.objects.filter(
        Q(contact=source) | Q(candidate=source), resolved=False
    ):
        contact = target if suggestion.contact_id == source.pk else suggestion.contact
        candidate = target if suggestion.candidate_id == source.pk else suggestion.candidate
        taken = MergeSuggestion.objects.filter(
            Q(contact=contact, candidate=candidate) | Q(contact=candidate, candidate=contact)
        ).exists()
        if contact.pk == candidate.pk or taken:
            suggestion.delete()
        else:
            suggestion.contact, suggestion.candidate = contact, candidate
            suggestion.save(update_fields=["contact", "candidate"])
