"""The request and response shapes of the case API (takedowns.api.cases), kept apart from its views."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from takedowns import selectors
from takedowns.api.serializers import AccountAnswerSerializer, account_answer_data
from takedowns.models import FilerType, Jurisdiction, LadderStep
from takedowns.notices.evidence import evidence_summary
from takedowns.services.fingerprints import KNOWN_FORMATS, VARIANT_NAMES


class FingerprintVariantSerializer(serializers.Serializer):
    """Hashes of a transformed copy, as the server's matcher makes them (``hashing.core.Variant``)."""

    name = serializers.ChoiceField(choices=list(VARIANT_NAMES))
    phash = serializers.CharField(min_length=16, max_length=16)
    dhash = serializers.CharField(min_length=16, max_length=16)
    pdq = serializers.CharField(min_length=64, max_length=64)
    box = serializers.ListField(
        child=serializers.FloatField(min_value=0, max_value=1),
        min_length=4,
        max_length=4,
        required=False,
        help_text="Relative crop x0, y0, x1, y1 (required for the trimmed variants).",
    )


class FingerprintRecordSerializer(serializers.Serializer):
    """One picture's fingerprints made on the victim's own device: the ``python -m hashing hash`` record
    (what ``static/recourse/js/fingerprint.js`` returns). Unknown keys are refused, naming the field."""

    sha256 = serializers.CharField(min_length=64, max_length=64, help_text="SHA-256 of the file's bytes (hex).")
    md5 = serializers.CharField(min_length=32, max_length=32, help_text="MD5 of the file's bytes (hex).")
    phash = serializers.CharField(min_length=16, max_length=16)
    dhash = serializers.CharField(min_length=16, max_length=16)
    whash = serializers.CharField(min_length=16, max_length=16)
    pdq = serializers.CharField(min_length=64, max_length=64, help_text="Meta's PDQ, 256 bits as 64 hex digits.")
    pdq_quality = serializers.IntegerField(min_value=0, max_value=100)
    width = serializers.IntegerField(min_value=1)
    height = serializers.IntegerField(min_value=1, help_text="width × height at most the server's pixel budget.")
    format = serializers.ChoiceField(choices=list(KNOWN_FORMATS))
    frames = serializers.IntegerField(min_value=1, required=False, default=1)
    animated = serializers.BooleanField(required=False, help_text="True exactly when frames > 1.")
    decode_scale = serializers.IntegerField(
        min_value=1,
        max_value=8,
        required=False,
        help_text="How many pixels of the picture one pixel of the hashed picture stands for. It follows from the "
        "format and size; when given, it must be what the server's decoder would use.",
    )
    variants = FingerprintVariantSerializer(many=True, required=False, help_text="mirror, trimmed, trimmed-mirror.")
    computed_on = serializers.ChoiceField(choices=["device"], required=False, default="device")


@extend_schema_field(FingerprintRecordSerializer(many=True))
class FingerprintsField(serializers.JSONField):
    """A list of fingerprint records: a JSON array in a JSON body, or the array's JSON text in a multipart
    form field. Checked by ``takedowns.services.fingerprints`` (the same check as the web pages)."""


class CaseCreateSerializer(serializers.Serializer):
    filer_type = serializers.ChoiceField(choices=FilerType.choices, default=FilerType.SELF)
    victim_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    representative_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    representative_authority = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    signature_name = serializers.CharField(max_length=200)
    good_faith_statement = serializers.CharField(max_length=5000)
    attest_good_faith = serializers.BooleanField()
    # DSA Art. 16(2)(d): the filer's own statement that the information and allegations are accurate and
    # complete. Stored as given; a DSA notice without it is held as incomplete, never sent with a made-up yes.
    attest_accuracy = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The filer confirms the information and allegations are accurate and complete (DSA Art. "
        "16(2)(d)). Without it, notices citing the DSA are held as incomplete.",
    )
    jurisdiction = serializers.ChoiceField(choices=Jurisdiction.choices, default=Jurisdiction.US)
    is_synthetic = serializers.BooleanField(default=False)
    is_minor_content = serializers.BooleanField(default=False)
    share_with_platforms = serializers.BooleanField(
        default=False,
        help_text="The person agreed to share her pictures' fingerprints (PDQ, MD5) with every platform subscribed "
        "to the hash exchange, so their tools block uploads. Opt-in; PATCH it to false to withdraw them.",
    )
    urls = serializers.ListField(child=serializers.CharField(max_length=2048), allow_empty=False, max_length=200)
    images = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=10)
    fingerprints = FingerprintsField(
        required=False,
        default=list,
        help_text="Instead of (or with) images: fingerprint records made on the victim's device, so the "
        "pictures never reach the portal. Allowed for content made under 18 too (no picture is involved).",
    )
    self_taken = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The person shown took the picture or video themselves (so usually owns its copyright). "
        "Omit when unknown.",
    )
    dmca_alongside = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also send a DMCA 17 U.S.C. 512(c)(3) notice, alongside (never instead of) each platform notice, "
        "to each platform's designated copyright agent (512(c)(2)); platforms without a known agent get none. "
        "Needs self_taken true; refused for content made under 18. The notice is signed by the operator as the "
        "copyright owner's authorised agent, which makes its accuracy and perjury statements in its own name; "
        "platforms usually forward DMCA notices to the uploader and may publish them (Lumen).",
    )
    dmca_show_name = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Name the person shown (signature_name) as the copyright owner in the DMCA notice; otherwise the "
        "notice says the owner's name is withheld.",
    )

    def validate_attest_good_faith(self, value):
        if not value:
            raise serializers.ValidationError("The good-faith statement must be attested (true).")
        return value

    def validate(self, data):
        if data["filer_type"] in (FilerType.REPRESENTATIVE, FilerType.ORGANISATION) and not (
            data.get("representative_name") and data.get("representative_authority")
        ):
            raise serializers.ValidationError(
                {"representative_authority": "A representative's name and the basis of their authority are needed."}
            )
        if data.get("dmca_alongside") and data.get("self_taken") is not True:
            raise serializers.ValidationError(
                {
                    "dmca_alongside": "A DMCA notice is a copyright claim: it needs self_taken true (the person shown "
                    "took the picture)."
                }
            )
        if data.get("dmca_alongside") and data.get("is_minor_content"):
            raise serializers.ValidationError(
                {
                    "dmca_alongside": "Content made under 18 is reported as apparent child sexual abuse "
                    "material, never "
                    "as a copyright claim."
                }
            )
        return data


class CaseImagesAddSerializer(serializers.Serializer):
    images = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=10)
    fingerprints = FingerprintsField(required=False, default=list)


class UrlsSerializer(serializers.Serializer):
    urls = serializers.ListField(child=serializers.CharField(max_length=2048), allow_empty=False, max_length=200)


class CaseImageSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    state = serializers.CharField()
    failure_reason = serializers.CharField()
    sha256 = serializers.CharField()
    md5 = serializers.CharField()
    phash = serializers.CharField()
    dhash = serializers.CharField()
    whash = serializers.CharField()
    pdq = serializers.CharField()
    pdq_quality = serializers.IntegerField(allow_null=True)
    computed_on = serializers.CharField(help_text="Where the fingerprints were made: server or device.")


class MatchEvidenceSerializer(serializers.Serializer):
    """What the portal's last fetch of the URL found (empty until checked). Keys absent when not applicable."""

    # Plain strings, not enums: "status" and "purpose" are enum names other components already use.
    status = serializers.CharField(
        required=False,
        help_text="match: serves a picture matching a reference; no_match: nothing matching found (never blocks "
        "a notice); gone: 404/410 or redirected to a login/removal page; error: could not check (see reason).",
    )
    summary = serializers.SerializerMethodField()
    purpose = serializers.CharField(required=False, help_text="evidence, removal or recheck.")
    checked_at = serializers.DateTimeField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True)
    http_status = serializers.IntegerField(required=False, allow_null=True)
    final_url = serializers.CharField(required=False, allow_blank=True)
    content_type = serializers.CharField(required=False, allow_blank=True)
    images_checked = serializers.IntegerField(required=False)
    images_failed = serializers.IntegerField(required=False)
    reference_image_id = serializers.IntegerField(required=False, help_text="The matched reference image.")
    reference_number = serializers.IntegerField(
        required=False, allow_null=True, help_text="Its number in the notice's list (Image 1, Image 2, ...)."
    )
    stage = serializers.CharField(required=False, help_text="exact, hash, hash-trimmed or hash-mirrored.")
    pdq_distance = serializers.IntegerField(required=False, allow_null=True)
    distances = serializers.DictField(child=serializers.IntegerField(), required=False)
    matched_url = serializers.CharField(required=False, allow_blank=True)

    def get_summary(self, evidence: dict) -> str:
        return evidence_summary(evidence)


class CaseLocationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    url = serializers.CharField()
    platform = serializers.CharField(source="platform.slug", allow_null=True, default=None)
    uploader = serializers.CharField(source="uploader_handle")
    state = serializers.CharField()
    match_evidence = MatchEvidenceSerializer()
    last_checked_at = serializers.DateTimeField(allow_null=True)


class TimelineEntrySerializer(serializers.Serializer):
    """One audit event of a notice, oldest first: status changes, platform answers, replies received by e-mail
    (``notice.reply_received``) and replies recorded by an advocate (``notice.reply_recorded``)."""

    id = serializers.IntegerField(source="pk")
    type = serializers.CharField(help_text="Dotted event name, e.g. notice.sent, notice.reply_received.")
    label = serializers.CharField(source="get_type_display", help_text="The event in words.")
    actor_kind = serializers.CharField(help_text="victim, advocate, platform or system.")
    at = serializers.DateTimeField(source="created_at")
    redacted = serializers.BooleanField(help_text="True once the case was erased: personal values read [erased].")
    data = serializers.DictField(
        help_text="What the event recorded; secrets and contact details masked. A reply received by e-mail has "
        "sender_domain, sender_matches_platform, authenticated (dkim, authserv or empty), held (true until an "
        "advocate releases or discards it), subject, message, truncated, attachments_dropped and bytes."
    )


class EscalationStepSerializer(serializers.Serializer):
    """One step of a platform notice's escalation ladder."""

    id = serializers.IntegerField(source="pk")
    step = serializers.CharField(help_text="reminder, upstream, deindex or regulator.")
    label = serializers.CharField(source="get_step_display")
    state = serializers.CharField(help_text="pending, done or stopped.")
    offset_hours = serializers.IntegerField(help_text="Hours after the notice's due_at.")
    planned_at = serializers.DateTimeField()
    done_at = serializers.DateTimeField(allow_null=True)
    stopped_at = serializers.DateTimeField(allow_null=True)
    stop_reason = serializers.CharField(help_text="advocate, answered, content_gone or closed; empty if not stopped.")
    outcome = serializers.DictField(help_text="What the step did (upstream notices drafted, routes made ready).")


class CaseNoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    reference = serializers.CharField()
    platform = serializers.CharField(source="platform.slug")
    kind = serializers.CharField(
        help_text="platform, or cdn / host / registrar for an upstream notice to those who serve the website."
    )
    escalates = serializers.CharField(
        source="escalates.reference", allow_null=True, default=None, help_text="The ignored notice (upstream only)."
    )
    alongside = serializers.CharField(
        source="alongside.reference",
        allow_null=True,
        default=None,
        help_text="For a DMCA notice the victim added: the platform notice it accompanies (same URLs, same round).",
    )
    regime = serializers.CharField()
    regimes = serializers.ListField(child=serializers.CharField())
    recipient = serializers.CharField(
        help_text="The address the notice goes to: a DMCA notice only to the designated copyright agent."
    )
    status = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    is_overdue = serializers.BooleanField()
    account_answer = serializers.SerializerMethodField(
        help_text="What the platform said about the uploader's account and about re-uploads; null before any answer."
    )
    timeline = TimelineEntrySerializer(source="events.all", many=True)
    escalation_steps = EscalationStepSerializer(source="escalation_steps.all", many=True)
    allowed_actions = serializers.SerializerMethodField(
        help_text="What an advocate can do to this notice now (send, retry, resend, dmca, webform, answer, reply, "
        "escalate, pdf), as the case page offers it."
    )

    @extend_schema_field(AccountAnswerSerializer(allow_null=True))
    def get_account_answer(self, notice) -> dict | None:
        return account_answer_data(notice)

    def get_allowed_actions(self, notice) -> list[str]:
        return sorted(selectors.notice_allowed_actions(notice))


class CaseSerializer(serializers.Serializer):
    reference = serializers.CharField()
    state = serializers.CharField()
    jurisdiction = serializers.CharField()
    is_synthetic = serializers.BooleanField()
    is_minor_content = serializers.BooleanField()
    share_with_platforms = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    images = CaseImageSerializer(many=True)
    locations = CaseLocationSerializer(many=True)
    notices = CaseNoticeSerializer(many=True)


class CasePatchSerializer(serializers.Serializer):
    share_with_platforms = serializers.BooleanField(
        help_text="Share (true) or stop sharing (false) the fingerprints with platforms' matching tools."
    )


class CaseSignalSerializer(serializers.Serializer):
    """One fingerprint shared through the hash exchange, with what platforms reported about it."""

    signal_id = serializers.CharField(source="public_id")
    signal_type = serializers.CharField()
    image_id = serializers.IntegerField(allow_null=True)
    active = serializers.BooleanField()
    removal_reason = serializers.CharField()
    needs_review = serializers.BooleanField(help_text="Two or more platforms called it a false positive.")
    blocked_count = serializers.IntegerField(help_text="Uploads platforms reported blocking with it.")
    false_positive_platforms = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    removed_at = serializers.DateTimeField(allow_null=True)


class SignalReviewSerializer(serializers.Serializer):
    keep = serializers.BooleanField(help_text="true: keep sharing it; false: retract it.")


class DmcaRouteSerializer(serializers.Serializer):
    """The advocate's explicit DMCA choice for the case's draft notice to one platform (17 U.S.C. 512(c)(3))."""

    platform = serializers.SlugField(help_text="Slug of the platform whose draft notice becomes a DMCA notice.")
    copyrighted_work = serializers.CharField(max_length=1000)
    attest_accuracy = serializers.BooleanField(help_text="The information in the notice is accurate.")
    attest_copyright_authority = serializers.BooleanField(
        help_text="Under penalty of perjury, the sender is authorised to act for the copyright owner."
    )


class StopEscalationSerializer(serializers.Serializer):
    step = serializers.ChoiceField(
        choices=LadderStep.choices, required=False, help_text="One step to stop; omit to stop every pending step."
    )


class SendResultSerializer(serializers.Serializer):
    queued = serializers.ListField(child=serializers.IntegerField())
    held = serializers.ListField(child=serializers.DictField())


class LikenessEnrolSerializer(serializers.Serializer):
    consent = serializers.BooleanField(
        help_text="True: the person gave her explicit consent to the text of `consent_text` (version "
        "`consent_version`), recorded with the case."
    )
    pictures = serializers.ListField(
        child=serializers.ImageField(), min_length=1, max_length=5, help_text="One to five pictures of her face."
    )


class LikenessStateSerializer(serializers.Serializer):
    offered = serializers.BooleanField()
    state = serializers.CharField(allow_null=True)
    faces = serializers.IntegerField()
    failure_reason = serializers.CharField()
    consent_version = serializers.CharField()
    consent_text = serializers.CharField()
    hotlines = serializers.ListField(child=serializers.DictField())
