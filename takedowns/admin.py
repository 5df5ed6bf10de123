"""Django admin for administrators: platforms, users and memberships, and read-only views of cases.

Reference images are never downloadable here (no file link), encrypted fields are shown only where an
administrator needs them, and the audit log cannot be edited or deleted.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from hashing import SHARED_HASH_FIELDS
from takedowns.models import (
    EXCHANGE_SCOPES,
    Case,
    Event,
    EventType,
    Notice,
    Platform,
    PlatformMembership,
    ReferenceImage,
    ReportedLocation,
)
from takedowns.services import two_factor
from takedowns.services.exchange import platform_exchange_scopes_set


class PlatformAdminForm(forms.ModelForm):
    exchange_scopes = forms.MultipleChoiceField(
        choices=[(scope, scope) for scope in EXCHANGE_SCOPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Hash exchange: exchange:read fetches the feed of shared fingerprints, exchange:lookup checks "
        "uploads against it. Grant only to a platform that agreed to use them to block uploads.",
    )

    class Meta:
        model = Platform
        fields = ["exchange_scopes"]


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    form = PlatformAdminForm
    list_display = [
        "name",
        "slug",
        "kind",
        "channel",
        "regime",
        "response_hours",
        "channel_verified",
        "exchange_scopes",
    ]
    # Providers (CDN, host, registrar) come from host lookups: an operator may correct their contact.
    list_filter = ["kind", "channel", "regime", "channel_verified"]
    search_fields = ["name", "slug"]

    def save_model(self, request, obj, form, change):
        # Scopes go through the service so every grant is audited.
        scopes = form.cleaned_data.get("exchange_scopes") or []
        obj.exchange_scopes = list(Platform.objects.get(pk=obj.pk).exchange_scopes) if obj.pk else []
        super().save_model(request, obj, form, change)
        platform_exchange_scopes_set(platform=obj, scopes=scopes, actor_user=request.user)


@admin.register(PlatformMembership)
class PlatformMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "platform", "created_at"]
    list_select_related = ["user", "platform"]
    autocomplete_fields = ["platform"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReferenceImageInline(ReadOnlyInline):
    model = ReferenceImage
    fields = ["state", *SHARED_HASH_FIELDS, "keep_as_evidence", "purged_at", "failure_reason"]
    readonly_fields = fields


class LocationInline(ReadOnlyInline):
    model = ReportedLocation
    fields = ["url", "platform", "uploader_handle", "state", "removed_at"]
    readonly_fields = fields


class NoticeInline(ReadOnlyInline):
    model = Notice
    fields = ["platform", "round", "regime", "status", "sent_at", "due_at", "acknowledged_at", "removed_at"]
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["reference", "state", "filer_type", "jurisdiction", "is_minor_content", "created_at"]
    list_filter = ["state", "jurisdiction", "is_minor_content", "is_synthetic"]
    search_fields = ["reference"]
    readonly_fields = [
        "reference",
        "state",
        "filer_type",
        "jurisdiction",
        "language",
        "is_synthetic",
        "is_threatened",
        "is_minor_content",
        "signed_at",
        "created_at",
        "withdrawn_at",
        "erased_at",
    ]
    fields = [*readonly_fields, "assigned_advocate", "review_first"]
    inlines = [LocationInline, ReferenceImageInline, NoticeInline]

    def has_add_permission(self, request):
        return False  # cases are filed through the intake or the API, which validate and audit

    def has_delete_permission(self, request, obj=None):
        return False  # erasure is a service that redacts and keeps the audit trail


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "platform", "kind", "status", "sent_at", "due_at"]
    list_filter = ["kind", "status", "platform", "regime"]
    list_select_related = ["case", "platform"]
    readonly_fields = [f.name for f in Notice._meta.fields if f.name != "id"]
    exclude = ["locations", "token_nonce"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # status changes only through the lifecycle module

    def has_delete_permission(self, request, obj=None):
        return False


class EventTypeFilter(admin.SimpleListFilter):
    """Every type by its name in words, from EventType (the column itself carries no choices)."""

    title = _("type")
    parameter_name = "type"

    def lookups(self, request, model_admin):
        return EventType.choices

    def queryset(self, request, queryset):
        return queryset.filter(type=self.value()) if self.value() else queryset


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "type_label", "actor_kind", "actor_user", "case", "notice"]
    list_filter = [EventTypeFilter, "actor_kind"]
    list_select_related = ["case", "notice", "actor_user"]
    readonly_fields = ["created_at", "type", "actor_kind", "actor_user", "case", "notice", "data", "redacted"]

    @admin.display(description=_("type"), ordering="type")
    def type_label(self, event: Event) -> str:
        return event.get_type_display()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- staff two-factor enrolment links ----------------------------------------------------------------------


@admin.action(description=_("Issue a two-factor enrolment link (one use, 3 days)"))
def issue_enrolment_link(modeladmin, request, queryset):
    """The link is shown once, to the administrator, who hands it to the staff member over a channel they trust;
    only its hash is stored. A user who lost their phone gets one too (their old app stops working once the new
    one is confirmed)."""
    for user in queryset:
        link = two_factor.enrolment_link_issue(user=user, issued_by=request.user)
        modeladmin.message_user(request, _("Enrolment link for %(user)s: %(link)s") % {"user": user, "link": link})


_User = get_user_model()
if admin.site.is_registered(_User):
    admin.site.unregister(_User)


@admin.register(_User)
class StaffUserAdmin(UserAdmin):
    actions = [issue_enrolment_link]
