"""The intake steps' forms. Each checks one step; the answers are kept in the session by the view."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

import hashing
from takedowns.forms.base import MultipleFileField, VictimForm
from takedowns.models import FilerType, Jurisdiction
from takedowns.services.fingerprints import MAX_JSON_BYTES, FingerprintError, fingerprints_check
from takedowns.services.images import image_upload_check
from takedowns.services.intake import URL_LIMIT, image_error_message, url_error_message
from takedowns.urlnorm import UrlError, parse_url_list


class WhoForm(VictimForm):
    filer_type = forms.ChoiceField(
        label=_("Who is filing this request?"),
        choices=[
            (FilerType.SELF, _("I am the person shown in the images")),
            (FilerType.REPRESENTATIVE, _("I am filing for someone else, with their permission or legal authority")),
        ],
        widget=forms.RadioSelect,
        initial=FilerType.SELF,
        error_messages={"required": _("Please choose who is filing this request.")},
    )
    victim_name = forms.CharField(
        label=_("Full name of the person shown"),
        max_length=200,
        help_text=_("The platforms need it to act on the request. If you are the person shown, this is your name."),
        error_messages={"required": _("Please type the name of the person shown in the images.")},
    )
    representative_name = forms.CharField(
        label=_("Your full name"),
        max_length=200,
        required=False,
        help_text=_("Only if you are filing for someone else."),
    )
    representative_relationship = forms.CharField(
        label=_("Your relationship to them"),
        max_length=200,
        required=False,
        help_text=_("For example: parent, partner, friend, lawyer, support worker."),
    )
    representative_authority = forms.CharField(
        label=_("Why you may act for them"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: “They asked me to, in writing”, “I am their legal guardian”, “I am their lawyer”."),
    )

    def clean(self):
        data = super().clean()
        if data.get("filer_type") == FilerType.REPRESENTATIVE:
            messages = {
                "representative_name": _("Please type your own full name."),
                "representative_relationship": _("Please say how you know the person shown."),
                "representative_authority": _("Please say why you may act for the person shown."),
            }
            for name, message in messages.items():
                if not (data.get(name) or "").strip():
                    self.add_error(name, message)
        return data


class ContentForm(VictimForm):
    nature = forms.ChoiceField(
        label=_("Are the images real, or made or changed with AI?"),
        choices=[
            ("real", _("Real photos or videos")),
            ("synthetic", _("Made or changed with AI or editing software (a “deepfake”)")),
            ("unsure", _("I am not sure")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose one answer; “I am not sure” is fine.")},
    )
    posted = forms.ChoiceField(
        label=_("Have the images been posted online?"),
        choices=[
            ("posted", _("Yes, they are online")),
            ("threatened", _("Not yet — someone has threatened to post them")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose one answer.")},
    )
    under_18 = forms.ChoiceField(
        label=_("Was the person shown under 18 when the images were made?"),
        choices=[("no", _("No, they were 18 or older")), ("yes", _("Yes, under 18")), ("unsure", _("I am not sure"))],
        widget=forms.RadioSelect,
        help_text=_("This changes how we can help: we never accept pictures of anyone under 18."),
        error_messages={"required": _("Please choose one answer; “I am not sure” is fine.")},
    )
    self_taken = forms.ChoiceField(
        label=_("Did the person shown take the picture or video themselves (for example, a selfie)?"),
        choices=[("yes", _("Yes, they took it themselves")), ("no", _("No")), ("unsure", _("I am not sure"))],
        widget=forms.RadioSelect,
        required=False,
        # 17 U.S.C. 201(a): copyright vests in the author, so whoever took a picture usually owns its copyright.
        help_text=_(
            "Whoever takes a picture usually owns its copyright. If it was you, you can also send a copyright "
            "notice, which some websites act on faster."
        ),
    )


def url_line_errors(text: str) -> tuple[list[str], list[str]]:
    """Parse pasted addresses: (normalised URLs, one translated message per refused line)."""
    try:
        parsed = parse_url_list(text, limit=URL_LIMIT)
    except UrlError as exc:
        return [], [url_error_message(exc)]
    messages = [
        _("Line %(line)s (%(value)s): %(message)s")
        % {"line": error.line, "value": error.raw[:80], "message": url_error_message(error.error)}
        for error in parsed.errors
    ]
    return parsed.urls, messages


class WhereForm(VictimForm):
    urls = forms.CharField(
        label=_("Addresses (URLs) of the pages where the images appear"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocapitalize": "off"}),
        required=False,
        max_length=URL_LIMIT * 2100,
    )

    def __init__(self, *args, threatened: bool = False, **kwargs):
        self.threatened = threatened
        super().__init__(*args, **kwargs)
        self.fields["urls"].help_text = gettext(
            "Paste one address per line, or a whole list at once. Each must be the exact page — it starts with "
            "https://. Up to %(limit)s addresses."
        ) % {"limit": URL_LIMIT}
        if threatened:
            self.fields["urls"].label = gettext("Addresses (URLs), if any have been posted (optional)")
        self.parsed_urls: list[str] = []

    def clean_urls(self):
        text = self.cleaned_data.get("urls", "")
        urls, messages = url_line_errors(text)
        if messages:
            raise forms.ValidationError(messages)
        if not urls and not self.threatened:
            raise forms.ValidationError(
                _("Please paste at least one address of a page where the images appear. It starts with https://")
            )
        self.parsed_urls = urls
        return text


def handle_field_name(index: int) -> str:
    return f"handle-{index}"


def read_handles(post, urls: list[str]) -> dict[str, str]:
    handles = {}
    for index, url in enumerate(urls):
        value = (post.get(handle_field_name(index)) or "").strip()[:200]
        if value:
            handles[url] = value
    return handles


class ImagesForm(VictimForm):
    """Pictures are checked here, one by one; the good ones are kept even if another one is refused.

    With fingerprints made on the victim's device (the page's default when the browser can make them), the
    file input is not submitted at all: only ``fingerprints``, the records as JSON, arrives, and is checked by
    the same strict validator as the API's. ``minor=True`` (content made under 18) takes fingerprints only."""

    images = MultipleFileField(
        label=_("Choose pictures"),
        required=False,
    )
    keep_as_evidence = forms.BooleanField(
        label=_("Keep a copy as evidence"),
        required=False,
        help_text=_(
            "Only if you may need it later, for example for the police. Otherwise the picture is deleted as soon "
            "as its fingerprint is made."
        ),
    )

    fingerprints = forms.CharField(
        required=False,
        max_length=MAX_JSON_BYTES,
        widget=forms.HiddenInput(attrs={"data-fingerprints": ""}),
    )

    share_with_platforms = forms.BooleanField(
        label=_("Ask platforms to block these pictures before anyone sees them"),
        required=False,
        help_text=_(
            "If you tick this, we give the fingerprints (never the pictures) to the platforms that have joined our "
            "blocking list, so their own systems can stop an upload of the same picture. They do not learn your "
            "name, your case or where the pictures were posted. You can stop this at any time on your case page, "
            "and it stops by itself if you withdraw or erase your case."
        ),
    )

    def __init__(self, *args, existing_count: int = 0, minor: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing_count = existing_count
        self.minor = minor
        self.device = []  # DeviceFingerprint, in the order the page made them
        self.checked = []  # CheckedImage, in upload order
        self.refused: list[str] = []
        if minor:
            # Content made under 18: no picture, ever, not even an input that could send one.
            del self.fields["images"]
            del self.fields["keep_as_evidence"]
            self.helper_rebuild()
            return
        self.fields["images"].help_text = gettext(
            "Up to %(count)s pictures, at most %(size)s MB each: JPEG, PNG, WebP, GIF or HEIC."
        ) % {"count": settings.IMAGE_MAX_PER_CASE, "size": settings.IMAGE_MAX_BYTES // (1024 * 1024)}
        self.fields["images"].widget.attrs.update(
            {"accept": "image/jpeg,image/png,image/webp,image/gif,.heic,.heif", "data-picture-input": ""}
        )

    def clean_images(self):
        uploads = self.cleaned_data.get("images") or []
        room = settings.IMAGE_MAX_PER_CASE - self.existing_count
        if uploads and len(uploads) > room:
            if room <= 0:
                raise forms.ValidationError(
                    _("You have already added %(max)s pictures, the most one case can hold. Nothing more is needed.")
                    % {"max": settings.IMAGE_MAX_PER_CASE}
                )
            raise forms.ValidationError(
                _(
                    "You chose %(chosen)s pictures, but only %(room)s more fit (one case holds up to %(max)s). "
                    "Please choose fewer; nothing was added."
                )
                % {"chosen": len(uploads), "room": room, "max": settings.IMAGE_MAX_PER_CASE}
            )
        errors = []
        for upload in uploads:
            try:
                self.checked.append(image_upload_check(upload=upload))
            except hashing.HashingError as exc:
                self.refused.append(upload.name)
                errors.append(format_html("“{}”: {}", upload.name[:100], image_error_message(exc)))
        if errors:
            raise forms.ValidationError(errors)
        return uploads

    def clean_fingerprints(self):
        text = self.cleaned_data.get("fingerprints") or ""
        room_taken = self.existing_count + len(self.checked)
        try:
            self.device = fingerprints_check(value=text, existing=room_taken)
        except FingerprintError as exc:
            if exc.code == "too_many":
                raise forms.ValidationError(
                    _(
                        "Only %(room)s more pictures fit in one case (it holds up to %(max)s). Please choose fewer; "
                        "nothing was added."
                    )
                    % {"room": max(settings.IMAGE_MAX_PER_CASE - room_taken, 0), "max": settings.IMAGE_MAX_PER_CASE}
                ) from exc
            raise forms.ValidationError(
                _(
                    "The fingerprints made on this device could not be checked (%(detail)s). Please choose the "
                    "pictures again, or send them to us instead."
                )
                % {"detail": f"{exc.field}: {exc.message}"}
            ) from exc
        return text


class ContactForm(VictimForm):
    email = forms.EmailField(
        label=_("E-mail address (optional)"),
        required=False,
        max_length=254,
        help_text=_("We send your receipt and news about your case here."),
        error_messages={"invalid": _("This e-mail address does not look complete, for example name@example.com.")},
    )
    phone = forms.CharField(
        label=_("Phone number (optional)"),
        required=False,
        max_length=40,
        help_text=_("With the country code if you are outside the United States, for example +44 20 7946 0000."),
    )
    contact_private = forms.BooleanField(
        label=_("Keep my contact details private"),
        required=False,
        initial=True,
        help_text=_(
            "Recommended. Platforms then reply to Recourse, and we pass their replies on to you. They never see "
            "your e-mail address or phone number."
        ),
    )

    def clean_phone(self):
        phone = (self.cleaned_data.get("phone") or "").strip()
        if phone:
            digits = re.sub(r"\D", "", phone)
            if not re.fullmatch(r"[0-9+()\-.\s/]+", phone) or not 6 <= len(digits) <= 15:
                raise forms.ValidationError(
                    _("This phone number does not look complete. Please use digits, for example +1 555 010 0000.")
                )
        return phone


class StatementForm(VictimForm):
    context = forms.CharField(
        label=_("Anything that helps the platform decide (optional)"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("We suggested a sentence based on your answers. Change it or delete it as you like."),
    )
    signature_name = forms.CharField(
        label=_("Type your full name to sign"),
        max_length=200,
        help_text=_("Typing your name here is your electronic signature on the removal request."),
        error_messages={"required": _("Please type your full name to sign the request.")},
    )
    attest_good_faith = forms.BooleanField(
        label=_("I confirm the statement above."),
        error_messages={"required": _("Please tick this box to confirm the statement; the law requires it.")},
    )
    attest_accuracy = forms.BooleanField(
        # DSA Art. 16(2)(d) needs this attestation itself, printed in the notice: never assumed server-side.
        label=_("The information and allegations I have given are accurate and complete."),
        error_messages={"required": _("Please tick this box to confirm that the information is true.")},
    )
    attest_authority = forms.BooleanField(
        label=_("I am authorised to act for the person shown."),
        required=False,
    )
    jurisdiction = forms.ChoiceField(
        label=_("Where do you live?"),
        choices=Jurisdiction.choices,
        initial=Jurisdiction.US,
        # The platform's own law is cited first whatever the residence; this adds the victim's.
        help_text=_("We always cite the law that binds the platform; where you live can add your own country's law."),
    )

    # Offered only when the person shown took the picture themselves (the content step): a DMCA notice is a
    # copyright claim (17 U.S.C. 512(c)(3)), added to the removal request, never instead of it.
    dmca_alongside = forms.BooleanField(
        label=_(
            "Also send a copyright (DMCA) notice for the pictures I took myself, and authorise the organisation "
            "running this service to sign it as my agent."
        ),
        required=False,
        help_text=_(
            "A copyright notice goes to the website's copyright agent, next to the removal request. Websites "
            "usually forward copyright notices to the person who posted the picture, and may publish them in the "
            "Lumen database (lumendatabase.org). So the organisation running this service signs it in its own "
            "name, as your authorised agent, and gives its own address. It does not say that the picture is "
            "intimate."
        ),
    )
    dmca_show_name = forms.BooleanField(
        label=_("Put my name in the copyright notice as the copyright owner."),
        required=False,
        help_text=_("Leave this unticked and your name is left out: the notice says the owner's name is withheld."),
    )

    def __init__(self, *args, representative: bool = False, self_taken: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.representative = representative
        if not representative:
            del self.fields["attest_authority"]
        if not self_taken:
            del self.fields["dmca_alongside"]
            del self.fields["dmca_show_name"]
        self.helper_rebuild()

    def clean_signature_name(self):
        value = " ".join((self.cleaned_data.get("signature_name") or "").split())
        if not value:
            raise forms.ValidationError(_("Please type your full name to sign the request."))
        return value

    def clean(self):
        data = super().clean()
        if self.representative and not data.get("attest_authority"):
            self.add_error(
                "attest_authority", _("Please tick this box to confirm that you may act for the person shown.")
            )
        return data


def names_match(a: str, b: str) -> bool:
    def norm(value: str) -> str:
        return " ".join((value or "").casefold().split())

    return norm(a) == norm(b)
