"""API serializers for notices: what a platform may read, and the bodies of its four actions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from takedowns.models import AccountOutcome, Notice, ReportedLocation, ReuploadOutcome
from takedowns.selectors import notice_hash_rows
from takedowns.services.account_actions import NOTE_MAX
from takedowns.services.outcomes import DISPUTE_REASONS, MESSAGE_MAX


class NoticeLocationSerializer(serializers.ModelSerializer):
    uploader = serializers.CharField(source="uploader_handle", read_only=True)

    class Meta:
        model = ReportedLocation
        fields = ["id", "url", "uploader", "state"]


class NoticeHashSerializer(serializers.Serializer):
    """One fingerprinted reference image of a notice (hashes only, never the image; never the SHA-256 of the
    victim's original file)."""

    notice = serializers.CharField()
    image = serializers.IntegerField()
    pdq = serializers.CharField()
    pdq_quality = serializers.IntegerField(allow_null=True)
    md5 = serializers.CharField()
    phash = serializers.CharField()


class HashRowSerializer(serializers.Serializer):
    """One row of the hash export (JSON list, or CSV with these columns)."""

    notice_reference = serializers.CharField()
    notice_id = serializers.IntegerField()
    signal_type = serializers.CharField()
    signal_value = serializers.CharField()
    pdq_quality = serializers.IntegerField(allow_null=True)
    md5 = serializers.CharField()
    phash = serializers.CharField()


HASH_ROW_FIELDS = list(HashRowSerializer().fields)


class NoticeListSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    platform = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notice
        fields = ["id", "reference", "platform", "regime", "status", "sent_at", "due_at", "is_overdue"]


class AccountAnswerSerializer(serializers.Serializer):
    """What the platform said about the uploader's account and about re-uploads ("" = no answer yet)."""

    account = serializers.CharField(help_text=f"One of {', '.join(AccountOutcome.values)}, or empty.")
    account_label = serializers.CharField(source="get_account_display")
    account_at = serializers.DateTimeField(allow_null=True)
    reupload = serializers.CharField(help_text=f"One of {', '.join(ReuploadOutcome.values)}, or empty.")
    reupload_label = serializers.CharField(source="get_reupload_display")
    reupload_at = serializers.DateTimeField(allow_null=True)


def account_answer_data(notice: Notice) -> dict | None:
    answer = getattr(notice, "account_answer", None)
    return AccountAnswerSerializer(answer).data if answer is not None else None


class NoticeDetailSerializer(NoticeListSerializer):
    locations = serializers.SerializerMethodField()
    hashes = serializers.SerializerMethodField()
    account_answer = serializers.SerializerMethodField()

    class Meta(NoticeListSerializer.Meta):
        fields = [
            *NoticeListSerializer.Meta.fields,
            "response_hours",
            "body_text",
            "locations",
            "hashes",
            "account_answer",
        ]

    @extend_schema_field(AccountAnswerSerializer(allow_null=True))
    def get_account_answer(self, notice: Notice) -> dict | None:
        return account_answer_data(notice)

    def get_locations(self, notice: Notice) -> list[dict]:
        return NoticeLocationSerializer(notice.locations.order_by("id"), many=True).data

    def get_hashes(self, notice: Notice) -> list[dict]:
        return NoticeHashSerializer(notice_hash_rows(notice), many=True).data


# Request bodies of the platform's actions.


class NoticeRemovedRequestSerializer(serializers.Serializer):
    location_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_empty=False,
        help_text="IDs of the notice's locations that were removed; omit for all of them.",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=MESSAGE_MAX, default="")


class NoticeInfoRequestSerializer(serializers.Serializer):
    message = serializers.CharField(
        max_length=MESSAGE_MAX,
        error_messages={
            "required": "Please write what information you need.",
            "blank": "Please write what information you need.",
        },
    )


class NoticeDisputeRequestSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=[(key, str(label)) for key, label in DISPUTE_REASONS.items()],
        error_messages={
            "required": "Choose a reason from the list.",
            "invalid_choice": "Choose a reason from the list.",
        },
    )
    message = serializers.CharField(required=False, allow_blank=True, max_length=MESSAGE_MAX, default="")

    def validate(self, attrs):
        if attrs.get("reason") == "other" and not attrs.get("message", "").strip():
            raise serializers.ValidationError({"message": "Please explain the reason in the message."})
        return attrs


class NoticeAccountAnswerRequestSerializer(serializers.Serializer):
    """What you did about the uploader's account and about re-uploads; each optional, at least one."""

    account = serializers.ChoiceField(
        choices=AccountOutcome.choices,
        required=False,
        allow_blank=True,
        default="",
        error_messages={
            "invalid_choice": f"“{{input}}” is not an answer about the account. Use one of: "
            f"{', '.join(AccountOutcome.values)}."
        },
    )
    reupload = serializers.ChoiceField(
        choices=ReuploadOutcome.choices,
        required=False,
        allow_blank=True,
        default="",
        error_messages={
            "invalid_choice": f"“{{input}}” is not an answer about re-uploads. Use one of: "
            f"{', '.join(ReuploadOutcome.values)}."
        },
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX, default="")

    def validate(self, attrs):
        if not attrs.get("account") and not attrs.get("reupload"):
            raise serializers.ValidationError(
                {"account": "Give an answer about the account, about re-uploads (reupload), or both."}
            )
        return attrs
