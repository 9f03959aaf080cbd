"""What the form and workflow admins share: versioned definitions (draft → published → retired) with their
publish / new-draft actions, the page of one step, and the one inline for every child of a definition."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget, UnfoldAdminTextareaWidget

from accounts.admin_scoping import ScopedAdminMixin
from esb.admin import AuditedModelAdmin
from esb.ids import parse_id
from licensing import services
from licensing.models import DefinitionStatus
from licensing.models.fields import ChoiceArrayField

CHECKBOXES = {ChoiceArrayField: {"widget": UnfoldAdminCheckboxSelectMultipleWidget}}
STATUS_LABELS = {
    DefinitionStatus.DRAFT: "warning",
    DefinitionStatus.PUBLISHED: "success",
    DefinitionStatus.RETIRED: "info",
}


def is_draft(definition) -> bool:
    return definition is None or definition.stored_status() == DefinitionStatus.DRAFT


def get_or_404(queryset, object_id):
    """The row for a URL's object id; a malformed id is a 404, not a 500."""
    pk = parse_id(str(object_id))
    obj = queryset.filter(pk=pk).first() if pk is not None else None
    if obj is None:
        raise Http404
    return obj


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def confirm_page(model_admin, request, *, title, question, confirm_label, cancel_url, problems=()):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "question": question,
        "confirm_label": confirm_label,
        "cancel_url": cancel_url,
        "problems": list(problems),
    }
    return TemplateResponse(request, "admin/licensing/confirm_action.html", context)


def draft_flow(model_admin, request, licence_type, kind, *, copy_from, back) -> HttpResponse:
    """GET asks for confirmation; POST creates the draft and opens it."""
    if request.method != "POST":
        source = copy_from or services.latest_version(licence_type, kind)
        question = (
            gettext("Create a new draft of the %(kind)s of %(service)s, copied from version %(version)s?")
            % {"kind": services.kind_label(kind), "service": licence_type, "version": source.version}
            if source
            else gettext("Create the first, empty draft of the %(kind)s of %(service)s?")
            % {"kind": services.kind_label(kind), "service": licence_type}
        )
        return confirm_page(
            model_admin,
            request,
            title=gettext("New draft version"),
            question=question,
            confirm_label=gettext("Create draft"),
            cancel_url=back,
        )
    try:
        draft = services.create_draft_version(licence_type, kind, request.user, copy_from=copy_from)
    except services.DefinitionInvalid as exc:
        for message in exc.messages:
            messages.error(request, message)
        return HttpResponseRedirect(back)
    messages.success(
        request,
        gettext("Draft version %(version)s created: edit it, then publish it.") % {"version": draft.version},
    )
    return HttpResponseRedirect(change_url(draft))


class StackedErrorsMixin:
    """Stacked inlines of the theme show errors under inputs but not a row's non-field errors (e.g. a
    unique-key clash), so those are moved under the `key` input where they are seen."""

    def _post_clean(self) -> None:
        super()._post_clean()
        stray = self._errors.pop(NON_FIELD_ERRORS, None) if self._errors else None
        if stray:
            self._errors.setdefault("key", self.error_class()).extend(stray)


class DefinitionChildInline:
    """The one inline for the children of a versioned definition: the steps of a form or workflow version
    (on the version's page), the fields of a form step and the checklist of a workflow step (on the step's
    page). Rows are editable only while the version is a draft. A row whose own children are edited on its
    page (a step's fields or checklist) shows a link to it with their count: see `children_link`.
    """

    formfield_overrides = CHECKBOXES
    extra = 0
    ordering_field = "order"
    hide_ordering_field = True
    # On a step's page the rows belong to the step: the version whose status counts is the step's.
    parent_is_step = False
    # Rows with children of their own: (related name, "save first" text, "edit %(count)s", "view %(count)s").
    children: tuple[str, str, str, str] | None = None

    def _definition_of(self, obj):
        if obj is not None and self.parent_is_step:
            return obj.definition
        return obj

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and is_draft(self._definition_of(obj))

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and is_draft(self._definition_of(obj))

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and is_draft(self._definition_of(obj))

    def children_link(self, obj) -> str:
        """A link from a step row to the step's page, where its own children are edited (or viewed)."""
        related_name, save_first, edit, view = self.children
        if not obj.pk:
            return str(save_first)
        label = edit if is_draft(obj.definition) else view
        count = getattr(obj, related_name).count()
        return format_html('<a href="{}">{}</a>', change_url(obj), str(label) % {"count": count})


class VersionedDefinitionAdmin(ScopedAdminMixin, AuditedModelAdmin):
    """Common admin of FormDefinition and WorkflowDefinition."""

    scope_institution_path = "licence_type__institution"

    kind: services.DefinitionKind
    list_display = ("licence_type", "version", "status_badge", "published_at", "published_by", "created_from")
    list_filter = ("status", "licence_type__institution", "licence_type__sector")
    search_fields = ("licence_type__code", "licence_type__name_km", "licence_type__name_en")
    list_select_related = ("licence_type", "published_by", "created_from")
    ordering = ("licence_type__code", "-version")
    fields = (
        "licence_type",
        "version",
        "status",
        "publication_check",
        "notes",
        "created_from",
        "created_at",
        "published_at",
        "published_by",
        "retired_at",
    )
    readonly_fields = (
        "licence_type",
        "version",
        "status",
        "publication_check",
        "created_from",
        "created_at",
        "published_at",
        "published_by",
        "retired_at",
    )
    actions = ("publish_selected", "new_draft_from_selected")
    actions_detail = ("publish_detail", "new_draft_detail")

    @display(description=_("status"), ordering="status", label=STATUS_LABELS)
    def status_badge(self, obj) -> str:
        return obj.status

    @display(description=_("publication check"))
    def publication_check(self, obj) -> str:
        if obj is None or not obj.pk or obj.status != DefinitionStatus.DRAFT:
            return "—"
        problems = services.validate_definition(obj)
        if not problems:
            return gettext("Ready to publish.")
        return format_html(
            "<ul class='list-disc ml-5'>{}</ul>",
            format_html_join("", "<li>{}</li>", ((p,) for p in problems)),
        )

    # Versions are created by "New draft version" (a copy of the latest), never from a blank add form.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or is_draft(obj))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or is_draft(obj))

    def has_publish_permission(self, request: HttpRequest, object_id=None) -> bool:
        if not request.user.has_perm(f"licensing.publish_{self.model._meta.model_name}"):
            return False
        if object_id is None:
            return True
        pk = parse_id(str(object_id))
        if pk is None:
            return False
        return self.model.objects.filter(pk=pk, status=DefinitionStatus.DRAFT).exists()

    def has_new_draft_permission(self, request: HttpRequest, object_id=None) -> bool:
        return request.user.has_perm(f"licensing.add_{self.model._meta.model_name}")

    # Bulk actions on the changelist ----------------------------------------------------------------

    @admin.action(description=_("Publish the selected drafts"), permissions=["publish"])
    def publish_selected(self, request: HttpRequest, queryset) -> None:
        for definition in queryset.select_related("licence_type").order_by("licence_type__code", "version"):
            self._publish_one(request, definition)

    @admin.action(description=_("New draft version from the selected versions"), permissions=["new_draft"])
    def new_draft_from_selected(self, request: HttpRequest, queryset) -> None:
        for definition in queryset.select_related("licence_type"):
            try:
                draft = services.create_draft_version(
                    definition.licence_type, self.kind, request.user, copy_from=definition
                )
            except services.DefinitionInvalid as exc:
                for message in exc.messages:
                    messages.error(request, f"{definition}: {message}")
            else:
                messages.success(
                    request,
                    gettext("%(definition)s: draft version %(version)s created.")
                    % {"definition": definition, "version": draft.version},
                )

    def _publish_one(self, request: HttpRequest, definition) -> bool:
        try:
            services.publish(definition, request.user)
        except services.DefinitionInvalid as exc:
            messages.error(
                request,
                gettext("%(definition)s was not published:") % {"definition": definition},
            )
            for message in exc.messages:
                messages.error(request, message)
            return False
        definition.refresh_from_db()
        messages.success(request, gettext("%(definition)s is published.") % {"definition": definition})
        return True

    # Buttons on the change page (GET: confirm, POST: do) ------------------------------------------------

    @action(description=_("Publish"), url_path="publish", permissions=["publish"], icon="publish")
    def publish_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        definition = get_or_404(self.model.objects.select_related("licence_type"), object_id)
        back = change_url(definition)
        if request.method != "POST":
            return confirm_page(
                self,
                request,
                title=gettext("Publish %(definition)s") % {"definition": definition},
                question=gettext(
                    "Once published, this version cannot be changed; the currently published version "
                    "(if any) is retired and new applications use this one. Publish?"
                ),
                confirm_label=gettext("Publish"),
                cancel_url=back,
                problems=services.validate_definition(definition),
            )
        self._publish_one(request, definition)
        return HttpResponseRedirect(back)

    @action(
        description=_("New draft version"),
        url_path="new-draft",
        permissions=["new_draft"],
        icon="content_copy",
    )
    def new_draft_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        definition = get_or_404(self.model.objects.select_related("licence_type"), object_id)
        return draft_flow(
            self,
            request,
            definition.licence_type,
            self.kind,
            copy_from=definition,
            back=change_url(definition),
        )


class DefinitionStepAdmin(ScopedAdminMixin, AuditedModelAdmin):
    """The page of one step (its fields or its checklist). Reached from the definition, not from the menu."""

    scope_institution_path = "definition__licence_type__institution"

    readonly_fields = ("definition_link",)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name.startswith("description_"):
            kwargs["widget"] = UnfoldAdminTextareaWidget(attrs={"rows": 3})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_model_perms(self, request: HttpRequest) -> dict:
        return {}  # hidden from the index and menus; steps are reached through their definition

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        # Whoever may see a definition may see its steps (the links on the definition lead here).
        definition_model = self.model.definition_model._meta.model_name
        return super().has_view_permission(request, obj) or request.user.has_perm(
            f"licensing.view_{definition_model}"
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # steps are added on the definition page

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or is_draft(obj.definition))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or is_draft(obj.definition))

    @display(description=_("version"))
    def definition_link(self, obj) -> str:
        return format_html('<a href="{}">{}</a>', change_url(obj.definition), obj.definition)

    def response_change(self, request: HttpRequest, obj) -> HttpResponse:
        if "_continue" in request.POST or "_addanother" in request.POST:
            return super().response_change(request, obj)
        messages.success(request, gettext("“%(step)s” saved.") % {"step": obj})
        return HttpResponseRedirect(change_url(obj.definition))

    def response_delete(self, request: HttpRequest, obj_display, obj_id) -> HttpResponse:
        definition_id = getattr(self, "_deleted_definition_id", None)
        if definition_id:
            url = reverse(
                f"admin:licensing_{self.model.definition_model._meta.model_name}_change", args=[definition_id]
            )
            return HttpResponseRedirect(url)
        return super().response_delete(request, obj_display, obj_id)

    def delete_model(self, request: HttpRequest, obj) -> None:
        self._deleted_definition_id = obj.definition_id
        super().delete_model(request, obj)
