"""The advocate's explicit choice of the DMCA route for one draft notice (17 U.S.C. 512(c)(3)).

Advocates only: the DMCA is a copyright claim that platforms may forward to the uploader and publish to
Lumen, so it is never offered to victims and never chosen by the portal on its own.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DmcaRouteForm(forms.Form):
    copyrighted_work = forms.CharField(
        label=_("The copyrighted work (the original photo or video, who took it and when)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Describe the original photo or video the material copies.")},
    )
    # 512(c)(3)(A)(vi): "the information in the notification is accurate, and under penalty of perjury, that
    # the complaining party is authorized to act on behalf of the owner".
    attest_accuracy = forms.BooleanField(
        label=_("The information in this notice is accurate."),
        error_messages={"required": _("Tick this box: the DMCA requires the statement.")},
    )
    attest_copyright_authority = forms.BooleanField(
        label=_("Under penalty of perjury, I am authorised to act for the copyright owner."),
        error_messages={"required": _("Tick this box: the DMCA requires the statement.")},
    )
