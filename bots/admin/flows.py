"""The bot builder in the admin: a bot's page edits its flow as steps with the fields of
their kind and a diagram (the scripts under ``bots/static/admin/bots/bot/``), lists the
flow's versions with a comparison and a restore, and holds the simulator; saved
simulations run again before a changed flow is published."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bots.admin.flow_texts import flow_texts
from bots.flows import simulate, validate
from bots.flows.diff import flow_diff
from bots.flows.presets import faq_first_flow
from bots.models import Bot, BotSimulation, BotVersion
from bots.services import flows as flow_services
from bots.services import simulations
from routing.models import Group

MAX_BODY = 256 * 1024


def problems_by_node(problems: list[validate.Problem]) -> dict[str, list[str]]:
    """Each problem's message under each node it names; the flow's own under ""."""
    shown: dict[str, list[str]] = {}
    for problem in problems:
        for node in problem.nodes or ("",):
            shown.setdefault(node, []).append(problem.message)
    return shown


class FlowEditorWidget(forms.Widget):
    """The flow in one hidden field, with the editor, the diagram and the simulator
    around it (drawn by the scripts)."""

    template_name = "admin/bots/bot/flow_widget.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.problems: dict[str, list[str]] = {}
        self.simulate_url = ""
        self.save_url = ""
        self.file_name = "bot"
        self.bot_id: int | None = None

    def format_value(self, value: Any) -> str:
        if value is None or value == "":
            return json.dumps({"start": "", "nodes": {}})
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        groups = [{"id": g.pk, "name": g.name} for g in Group.objects.order_by("name", "id")]
        context["widget"].update(
            texts_json=json.dumps(flow_texts(), ensure_ascii=False),
            groups_json=json.dumps(groups, ensure_ascii=False),
            problems_json=json.dumps(self.problems, ensure_ascii=False),
            simulate_url=self.simulate_url,
            save_url=self.save_url,
            file_name=self.file_name,
            bot_id=self.bot_id,
        )
        return context


class BotForm(forms.ModelForm):
    flow = forms.JSONField(
        label=Bot._meta.get_field("flow").verbose_name, widget=FlowEditorWidget, required=False
    )
    save_anyway = forms.BooleanField(
        label=gettext_lazy("Save anyway, and take the new answers as the expected ones"),
        required=False,
    )

    class Meta:
        model = Bot
        fields = ["name", "channels", "mode", "handoff_keywords", "flow"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["flow"].widget = FlowEditorWidget()
        self.fields["flow"].help_text = ""
        self.simulation_changes: list[simulations.SimulationChange] = []

    def clean_flow(self) -> Any:
        flow = self.cleaned_data.get("flow")
        problems = validate.flow_problems(flow, group_exists=_group_exists)
        if problems:
            self.fields["flow"].widget.problems = problems_by_node(problems)
            raise ValidationError(_("The flow has problems; each is shown at its step below."))
        return flow

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        flow = data.get("flow")
        bot = self.instance
        if "flow" in self.errors or not bot.pk or not isinstance(flow, dict) or flow == bot.flow:
            return data
        self.simulation_changes = simulations.bot_simulations_check(bot=bot, flow=flow)
        if self.simulation_changes and not data.get("save_anyway"):
            raise ValidationError(
                _(
                    "Saved simulations would now end differently (see below). Go back to "
                    "the steps, or tick “save anyway” and save again."
                )
            )
        return data


PRESETS = {"faq": (gettext_lazy("FAQ first, then a person"), faq_first_flow)}


def _group_exists(group_id: int) -> bool:
    return Group.objects.filter(pk=group_id).exists()


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    if len(request.body) > MAX_BODY:
        return None
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _simulation_args(data: dict[str, Any]) -> dict[str, Any] | str:
    """The simulator's request checked: the arguments of a run, or why not."""
    inputs, contact = data.get("inputs", []), data.get("contact") or {}
    if not isinstance(inputs, list) or len(inputs) > simulate.MAX_INPUTS:
        return _("“inputs” is a list of up to %d texts or button presses.") % simulate.MAX_INPUTS
    if not isinstance(contact, dict):
        return _("“contact” is an object.")
    if not isinstance(data.get("flow"), dict):
        return _("Send the flow to run.")
    return {
        "flow": data["flow"],
        "inputs": inputs,
        "contact": contact,
        "group_open": data.get("group_open") is not False,
    }


@admin.register(Bot)
class BotAdmin(admin.ModelAdmin):
    form = BotForm
    list_display = ["name", "mode", "version", "channel_list", "updated_at"]
    list_filter = ["mode", "channels"]
    search_fields = ["name"]
    filter_horizontal = ["channels"]
    readonly_fields = ["version", "versions_shown", "simulations_shown"]
    change_form_template = "admin/bots/bot/change_form.html"
    change_list_template = "admin/bots/bot/change_list.html"
    fieldsets = [
        (None, {"fields": ["name", "channels", "mode", "handoff_keywords"]}),
        (
            gettext_lazy("Flow"),
            {
                "fields": ["flow"],
                "description": gettext_lazy(
                    "The steps of the conversation. Add steps, say where each one leads, "
                    "and try the flow on the right before saving. Saving publishes the "
                    "flow as a new version; chats already running stay on their version."
                ),
            },
        ),
        (gettext_lazy("Versions"), {"fields": ["version", "versions_shown"]}),
        (gettext_lazy("Saved simulations"), {"fields": ["simulations_shown"]}),
    ]

    class Media:
        css = {"all": ["admin/bots/bot/flow.css"]}
        js = [
            "admin/bots/bot/flow_model.js",
            "admin/bots/bot/flow_diagram.js",
            "admin/bots/bot/flow_editor.js",
            "admin/bots/bot/flow_page.js",
        ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Bot]:
        return super().get_queryset(request).prefetch_related("channels")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """``?preset=faq``: a new bot that starts as "FAQ first, then a person"."""
        initial: dict[str, Any] = dict(super().get_changeform_initial_data(request))
        preset = PRESETS.get(str(request.GET.get("preset", "")))
        if preset is not None:
            name, flow = preset
            initial.pop("preset", None)
            initial.update(name=str(name), flow=flow(), mode="always")
        return initial

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        presets = [(key, name) for key, (name, _flow) in PRESETS.items()]
        return super().changelist_view(request, {**(extra_context or {}), "presets": presets})

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fieldsets if obj else self.fieldsets[:2]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change, **kwargs)
        simulate_url = reverse("admin:bots_bot_simulate")
        save_url = reverse("admin:bots_bot_simulation_save", args=[obj.pk]) if obj else ""
        file_name = f"bot-{obj.pk}-v{obj.version}" if obj else "bot"

        class WithUrls(form_class):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, **kw)
                widget = self.fields["flow"].widget
                widget.simulate_url, widget.save_url = simulate_url, save_url
                widget.file_name, widget.bot_id = file_name, obj.pk if obj else None

        return WithUrls

    @admin.display(description=gettext_lazy("channels"))
    def channel_list(self, obj: Bot) -> str:
        return ", ".join(c.name for c in obj.channels.all()) or "—"

    def save_model(self, request: HttpRequest, obj: Bot, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            created = flow_services.bot_create(
                name=data["name"],
                flow=data["flow"],
                mode=data["mode"],
                handoff_keywords=data.get("handoff_keywords"),
                user=request.user,
            )
            obj.pk, obj.version, obj.flow = created.pk, created.version, created.flow
            return
        fields = {k: data[k] for k in ("name", "mode", "handoff_keywords", "flow") if k in data}
        flow_services.bot_update(bot=obj, data=fields, user=request.user)
        if form.simulation_changes and data.get("save_anyway"):
            simulations.bot_simulations_accept(changes=form.simulation_changes)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        bot = form.instance
        flow_services.bot_update(bot=bot, data={"channels": form.cleaned_data.get("channels", [])})

    def delete_model(self, request: HttpRequest, obj: Bot) -> None:
        flow_services.bot_delete(bot=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Bot]) -> None:
        for bot in queryset:
            flow_services.bot_delete(bot=bot)

    @admin.display(description=gettext_lazy("versions"))
    def versions_shown(self, obj: Bot) -> str:
        return versions_table(obj)

    @admin.display(description=gettext_lazy("saved simulations"))
    def simulations_shown(self, obj: Bot) -> str:
        return simulations_table(obj)

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("simulate/", wrap(self.simulate_view), name="bots_bot_simulate"),
            path(
                "<int:bot_id>/simulations/",
                wrap(self.simulation_save_view),
                name="bots_bot_simulation_save",
            ),
            path(
                "<int:bot_id>/versions/compare/",
                wrap(self.compare_view),
                name="bots_bot_versions_compare",
            ),
            path(
                "<int:bot_id>/versions/<int:number>/restore/",
                wrap(self.restore_view),
                name="bots_bot_version_restore",
            ),
            *super().get_urls(),
        ]

    # --- the simulator ------------------------------------------------------------------

    def simulate_view(self, request: HttpRequest) -> HttpResponse:
        """Runs the flow on the page over the inputs, in memory. Nothing is written."""
        if request.method != "POST":
            return JsonResponse({"detail": _("Use POST.")}, status=405)
        if not self.has_view_permission(request):
            return JsonResponse({"detail": _("Not allowed.")}, status=403)
        data = _json_body(request)
        args = _simulation_args(data) if data is not None else _("Send a JSON object.")
        if isinstance(args, str):
            return JsonResponse({"detail": args}, status=400)
        bot_id = data.get("bot") if data else None
        bot = Bot.objects.filter(pk=bot_id).first() if isinstance(bot_id, int) else None
        return _simulation_answer(args, bot)

    def simulation_save_view(self, request: HttpRequest, bot_id: int) -> HttpResponse:
        if request.method != "POST":
            return JsonResponse({"detail": _("Use POST.")}, status=405)
        bot = get_object_or_404(Bot, pk=bot_id)
        if not self.has_change_permission(request, bot):
            return JsonResponse({"detail": _("Not allowed.")}, status=403)
        data = _json_body(request)
        args = _simulation_args(data) if data is not None else _("Send a JSON object.")
        if isinstance(args, str):
            return JsonResponse({"detail": args}, status=400)
        name = data.get("name") if data else None
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            return JsonResponse(
                {"detail": _("Name the simulation (up to 200 characters).")}, status=400
            )
        try:
            saved = simulations.bot_simulation_save(bot=bot, name=name, user=request.user, **args)
        except (simulate.BadInput, flow_services.FlowInvalid) as error:
            return JsonResponse({"detail": _problem_text(error)}, status=400)
        return JsonResponse({"id": saved.pk, "name": saved.name}, status=201)

    # --- versions -----------------------------------------------------------------------

    def compare_view(self, request: HttpRequest, bot_id: int) -> HttpResponse:
        bot = get_object_or_404(Bot, pk=bot_id)
        if not self.has_view_permission(request, bot):
            return HttpResponse(status=403)
        versions = {v.number: v for v in bot.versions.all()}
        b = _number(request.GET.get("b"), bot.version)
        a = _number(request.GET.get("a"), b - 1)
        if a not in versions or b not in versions:
            messages.error(request, _("Pick two versions this bot has."))
            return HttpResponseRedirect(reverse("admin:bots_bot_change", args=[bot.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": bot,
            "title": _("Compare versions %(a)s and %(b)s of “%(bot)s”")
            % {"a": a, "b": b, "bot": bot.name},
            "older": versions[a],
            "newer": versions[b],
            "numbers": sorted(versions, reverse=True),
            "diff": flow_diff(versions[a].flow, versions[b].flow),
        }
        return TemplateResponse(request, "admin/bots/bot/compare.html", context)

    def restore_view(self, request: HttpRequest, bot_id: int, number: int) -> HttpResponse:
        bot = get_object_or_404(Bot, pk=bot_id)
        if not self.has_change_permission(request, bot):
            return HttpResponse(status=403)
        old = get_object_or_404(BotVersion, bot=bot, number=number)
        change_url = reverse("admin:bots_bot_change", args=[bot.pk])
        if request.method == "POST":
            return self._restore(request, bot, number, change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": bot,
            "title": _("Restore version %(n)s of “%(bot)s”?") % {"n": number, "bot": bot.name},
            "version": old,
            "diff": flow_diff(bot.flow, old.flow),
            "changes": simulations.bot_simulations_check(bot=bot, flow=old.flow),
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/bots/bot/restore.html", context)

    def _restore(
        self, request: HttpRequest, bot: Bot, number: int, change_url: str
    ) -> HttpResponse:
        try:
            restored = flow_services.bot_version_restore(bot=bot, number=number, user=request.user)
        except flow_services.FlowInvalid as error:
            messages.error(request, _problem_text(error))
            return HttpResponseRedirect(change_url)
        messages.success(
            request,
            _("Version %(old)s is back, published as version %(new)s.")
            % {"old": number, "new": restored.version},
        )
        return HttpResponseRedirect(change_url)


def _number(text: Any, default: int) -> int:
    return (
        int(text)
        if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) < 10
        else default
    )


def _problem_text(error: Exception) -> str:
    problems = getattr(error, "problems", None)
    if problems:
        return " ".join(str(p) for p in problems)
    return str(getattr(error, "message", error))


def _simulation_answer(args: dict[str, Any], bot: Bot | None) -> HttpResponse:
    """The run's answer; a flow still being built, with problems, is no bad request:
    the problems come back for the panel to show (``{"problems": [...]}``)."""
    try:
        answer = simulations.bot_simulation_run(bot=bot, **args)
    except flow_services.FlowInvalid as error:
        return JsonResponse({"problems": [str(p) for p in error.problems]})
    except simulate.BadInput as error:
        return JsonResponse({"detail": _problem_text(error)}, status=400)
    group_id = answer.get("group")
    group = Group.objects.filter(pk=group_id).first() if isinstance(group_id, int) else None
    answer["group_name"] = group.name if group else None
    return JsonResponse(answer)


def versions_table(bot: Bot) -> str:
    versions = list(bot.versions.select_related("created_by").order_by("-number")[:50])
    if not versions:
        return "—"
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (v.number, _when(v), v.created_by or "—", _restored(v), _version_links(bot, v))
            for v in versions
        ),
    )
    return format_html(
        '<table class="cc-versions"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th></th><th></th>'
        "</tr></thead><tbody>{}</tbody></table>",
        _("Version"),
        _("When"),
        _("Who"),
        rows,
    )


def _when(version: BotVersion) -> str:
    return f"{version.created_at:%Y-%m-%d %H:%M}"


def _restored(version: BotVersion) -> str:
    if version.restored_from is None:
        return ""
    return _("restored from version %(n)s") % {"n": version.restored_from}


def _version_links(bot: Bot, version: BotVersion) -> str:
    compare = reverse("admin:bots_bot_versions_compare", args=[bot.pk])
    links = []
    if version.number > 1:
        links.append(
            format_html(
                '<a href="{}?a={}&amp;b={}">{}</a>',
                compare,
                version.number - 1,
                version.number,
                _("what changed"),
            )
        )
    if version.number != bot.version:
        restore = reverse("admin:bots_bot_version_restore", args=[bot.pk, version.number])
        links.append(
            format_html(
                '<a href="{}?a={}&amp;b={}">{}</a>',
                compare,
                version.number,
                bot.version,
                _("compare with the current"),
            )
        )
        links.append(format_html('<a href="{}">{}</a>', restore, _("restore")))
    return format_html_join(" · ", "{}", ((link,) for link in links))


def simulations_table(bot: Bot) -> str:
    saved = list(bot.simulations.order_by("id"))
    if not saved:
        return _("None yet: run the simulator and press “Save this simulation”.")
    listing = reverse("admin:bots_botsimulation_changelist")
    rows = format_html_join(
        "",
        "<li>{} — {} ({})</li>",
        ((s.name, simulations.outcome_text(s.expected or {}), len(s.inputs or [])) for s in saved),
    )
    return format_html(
        '<ul class="cc-simulations">{}</ul><a href="{}?bot__id__exact={}">{}</a>',
        rows,
        listing,
        bot.pk,
        _("Look at them or delete some"),
    )


@admin.register(BotSimulation)
class BotSimulationAdmin(admin.ModelAdmin):
    list_display = ["name", "bot", "ending", "created_at", "created_by"]
    list_filter = ["bot"]
    search_fields = ["name"]
    fields = readonly_fields = (
        "bot",
        "name",
        "inputs",
        "contact",
        "group_open",
        "transcript_shown",
        "ending",
        "created_at",
        "created_by",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # saved from the simulator on the bot's page

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("how it ended"))
    def ending(self, obj: BotSimulation) -> str:
        return simulations.outcome_text(obj.expected or {})

    @admin.display(description=gettext_lazy("transcript"))
    def transcript_shown(self, obj: BotSimulation) -> str:
        lines = (obj.expected or {}).get("transcript") or []
        return format_html(
            "<ol>{}</ol>",
            format_html_join("", "<li>{}</li>", ((simulations.line_text(x),) for x in lines)),
        )

    def delete_model(self, request: HttpRequest, obj: BotSimulation) -> None:
        simulations.bot_simulation_delete(simulation=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[BotSimulation]) -> None:
        for simulation in queryset:
            simulations.bot_simulation_delete(simulation=simulation)
