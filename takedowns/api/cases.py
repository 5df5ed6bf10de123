"""Cases in the API (advocates only): file a case with URLs and images, read it, add URLs, send notices."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from takedowns import selectors
from takedowns.api.case_serializers import (
    CaseCreateSerializer,
    CaseImagesAddSerializer,
    CasePatchSerializer,
    CaseSerializer,
    CaseSignalSerializer,
    DmcaRouteSerializer,
    LikenessEnrolSerializer,
    LikenessStateSerializer,
    SendResultSerializer,
    SignalReviewSerializer,
    StopEscalationSerializer,
    UrlsSerializer,
)
from takedowns.api.discovery import FindingSerializer
from takedowns.api.parsers import UnicodeJSONParser
from takedowns.api.permissions import IsAdvocate
from takedowns.models import ActorKind, Case, FindingStatus
from takedowns.selectors_exchange import case_exchange_signals
from takedowns.services import cases as case_services
from takedowns.services import escalation, replies
from takedowns.services import likeness as likeness_services
from takedowns.services.delivery import notice_missing_elements
from takedowns.services.exchange import ExchangeError, case_sharing_set, exchange_signal_review
from takedowns.services.notices import NoDraftNotice, NoticeRouteError, case_notice_route_dmca, case_notices_send_all


def _case_body(case: Case) -> dict:
    return CaseSerializer(selectors.case_detail(case)).data


def _case_closed(case: Case) -> Response:
    return Response(
        {
            "detail": f"Case {case.reference} is {case.state}: it takes no new URLs. "
            "File a new case if the person wants notices sent again.",
            "code": "case_not_open",
            "state": case.state,
        },
        status=status.HTTP_409_CONFLICT,
    )


def _likeness_state(case: Case) -> dict:
    template = selectors.case_face_template(case)
    return LikenessStateSerializer(
        {
            "offered": likeness_services.likeness_offered(case),
            "state": template.state if template else None,
            "faces": template.faces if template else 0,
            "failure_reason": template.failure_reason if template else "",
            "consent_version": likeness_services.CONSENT_VERSION,
            "consent_text": likeness_services.consent_text(),
            "hotlines": [{"name": n, "url": u} for n, u in likeness_services.CHILD_HOTLINES]
            if case.is_minor_content
            else [],
        }
    ).data


class CaseViewSet(viewsets.GenericViewSet):
    """Advocates file cases for victims and follow them. Platform staff get 403 here."""

    permission_classes = [IsAuthenticated, IsAdvocate]
    parser_classes = [MultiPartParser, FormParser, UnicodeJSONParser]
    lookup_field = "reference"
    serializer_class = CaseSerializer

    def get_queryset(self):
        return selectors.cases_for_user(self.request.user)

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseSerializer})
    def create(self, request):
        data = request.data
        if hasattr(data, "getlist"):
            data = {**{k: data.get(k) for k in data}, "urls": data.getlist("urls")}
            data["images"] = request.FILES.getlist("images")
        incoming = CaseCreateSerializer(data=data)
        incoming.is_valid(raise_exception=True)
        values = dict(incoming.validated_data)
        urls, uploads, fingerprints = values.pop("urls"), values.pop("images"), values.pop("fingerprints")
        values.pop("attest_good_faith")
        accuracy = values.pop("attest_accuracy")
        copyright_answers = case_services.case_dmca_attestations(
            self_taken=values.pop("self_taken"),
            dmca_alongside=values.pop("dmca_alongside"),
            dmca_show_name=values.pop("dmca_show_name"),
            is_minor_content=values["is_minor_content"],
        )
        fields = {
            **values,
            "contact_private": True,
            "attestations": {"good_faith": True, "accuracy": accuracy, "filed_by": "advocate", **copyright_answers},
        }
        try:
            created = case_services.case_file_by_advocate(
                fields=fields, urls=urls, uploads=uploads, fingerprints=fingerprints, actor_user=request.user
            )
        except case_services.CaseInputError as exc:
            raise ValidationError(exc.errors) from exc
        return Response(_case_body(created.case), status=status.HTTP_201_CREATED)

    @extend_schema(responses=CaseSerializer)
    def retrieve(self, request, reference=None, **kwargs):
        return Response(_case_body(selectors.case_for_user(request.user, reference)))

    @extend_schema(request=CasePatchSerializer, responses=CaseSerializer)
    def partial_update(self, request, reference=None, **kwargs):
        """Record the person's choice about sharing her fingerprints with platforms (``share_with_platforms``)."""
        case = selectors.case_for_user(request.user, reference)
        incoming = CasePatchSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        case_sharing_set(
            case=case,
            share=incoming.validated_data["share_with_platforms"],
            actor_kind=ActorKind.ADVOCATE,
            actor_user=request.user,
        )
        return Response(_case_body(selectors.case_for_user(request.user, reference)))

    @extend_schema(responses=CaseSignalSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="signals")
    def signals(self, request, reference=None, **kwargs):
        """The case's fingerprints shared through the hash exchange, live and removed, with platforms' opinions."""
        case = selectors.case_for_user(request.user, reference)
        return Response(CaseSignalSerializer(case_exchange_signals(case), many=True).data)

    @extend_schema(request=SignalReviewSerializer, responses={200: CaseSignalSerializer, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path=r"signals/(?P<signal_id>[A-Za-z0-9_-]+)/review")
    def signal_review(self, request, reference=None, signal_id=None):
        """Keep sharing a signal (clears a false-positive flag) or retract it: a retraction reaches every
        subscriber as a deletion."""
        case = selectors.case_for_user(request.user, reference)
        signal = case.exchange_signals.filter(public_id=signal_id).first()
        if signal is None:
            raise Http404("No such signal.")
        incoming = SignalReviewSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            exchange_signal_review(signal=signal, keep=incoming.validated_data["keep"], actor_user=request.user)
        except ExchangeError as exc:
            return Response({"detail": str(exc), "code": "not_shared"}, status=status.HTTP_409_CONFLICT)
        row = next(s for s in case_exchange_signals(case) if s.pk == signal.pk)
        return Response(CaseSignalSerializer(row).data)

    @extend_schema(request=UrlsSerializer, responses={200: CaseSerializer, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="urls")
    def urls(self, request, reference=None, **kwargs):
        case = selectors.case_for_user(request.user, reference)
        if case.state in case_services.CASE_STATES_WITHOUT_NEW_URLS:
            return _case_closed(case)
        incoming = UrlsSerializer(
            data={
                "urls": request.data.getlist("urls") if hasattr(request.data, "getlist") else request.data.get("urls")
            }
        )
        incoming.is_valid(raise_exception=True)
        try:
            urls = case_services.urls_check(incoming.validated_data["urls"])
        except case_services.CaseInputError as exc:
            raise ValidationError(exc.errors) from exc
        try:
            case_services.case_locations_add_and_prepare(
                case=case, urls=urls, actor_kind=ActorKind.ADVOCATE, actor_user=request.user
            )
        except case_services.CaseClosedError:
            return _case_closed(case)  # withdrawn or erased meanwhile
        return Response(_case_body(case))

    @extend_schema(
        request=CaseImagesAddSerializer,
        responses={200: CaseSerializer, 400: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["post"], url_path="images")
    def images(self, request, reference=None, **kwargs):
        """Add pictures (multipart ``images``) or fingerprint records made on the victim's device
        (``fingerprints``) to an open case. A case about content made under 18 takes fingerprints only."""
        case = selectors.case_for_user(request.user, reference)
        if case.state in case_services.CASE_STATES_WITHOUT_NEW_URLS:
            return _case_closed(case)
        data = request.data
        if hasattr(data, "getlist"):
            data = {"fingerprints": data.get("fingerprints") or [], "images": request.FILES.getlist("images")}
        incoming = CaseImagesAddSerializer(data=data)
        incoming.is_valid(raise_exception=True)
        try:
            case_services.case_pictures_add(
                case=case,
                uploads=incoming.validated_data["images"],
                fingerprints=incoming.validated_data["fingerprints"],
                actor_kind=ActorKind.ADVOCATE,
                actor_user=request.user,
            )
        except case_services.CaseInputError as exc:
            raise ValidationError(exc.errors) from exc
        return Response(_case_body(case))

    @extend_schema(responses=FindingSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="findings")
    def findings(self, request, reference=None, **kwargs):
        """Images of this case found on watched sites: each with its page and image URL, the deciding stage
        and the PDQ distance. `?status=new|confirmed|dismissed` filters."""
        case = selectors.case_for_user(request.user, reference)
        wanted = request.query_params.get("status") or None
        if wanted and wanted not in FindingStatus.values:
            raise ValidationError({"status": f"One of {', '.join(FindingStatus.values)}."})
        return Response(FindingSerializer(selectors.case_findings(case, status=wanted), many=True).data)

    @extend_schema(
        request={"multipart/form-data": LikenessEnrolSerializer},
        responses={202: LikenessStateSerializer, 200: LikenessStateSerializer},
    )
    @action(detail=True, methods=["get", "post", "delete"], url_path="likeness")
    def likeness(self, request, reference=None, **kwargs):
        """The consented likeness search. POST (multipart: 1-5 `pictures` of her face, `consent` true, given by
        her and recorded by the advocate) enrols: the pictures are deleted once the face template is made.
        DELETE withdraws: the template and the unconfirmed likeness findings are deleted at once. The consent
        text the victim agreed to is `consent_text` of GET, with its `consent_version`."""
        case = selectors.case_for_user(request.user, reference)
        if request.method == "GET":
            return Response(_likeness_state(case))
        if request.method == "DELETE":
            likeness_services.likeness_withdraw(case=case, actor_kind=ActorKind.ADVOCATE, actor_user=request.user)
            return Response(_likeness_state(case))
        incoming = LikenessEnrolSerializer(
            data={"consent": request.data.get("consent"), "pictures": request.FILES.getlist("pictures")}
        )
        incoming.is_valid(raise_exception=True)
        try:
            likeness_services.likeness_enrol(
                case=case,
                pictures=incoming.validated_data["pictures"],
                consent=incoming.validated_data["consent"],
                actor_kind=ActorKind.ADVOCATE,
                actor_user=request.user,
            )
        except likeness_services.LikenessError as exc:
            code = status.HTTP_409_CONFLICT if exc.code in ("not_offered", "case_not_open") else 400
            return Response({"detail": str(exc), "code": exc.code}, status=code)
        return Response(_likeness_state(case), status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=DmcaRouteSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="dmca")
    def dmca(self, request, reference=None, **kwargs):
        """Make the draft notice to one platform a DMCA notice: chosen explicitly, never by the portal."""
        case = selectors.case_for_user(request.user, reference)
        incoming = DmcaRouteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        values = dict(incoming.validated_data)
        try:
            case_notice_route_dmca(case=case, platform_slug=values.pop("platform"), actor_user=request.user, **values)
        except NoDraftNotice as exc:
            raise ValidationError({"platform": str(exc)}) from exc
        except NoticeRouteError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        return Response(_case_body(case))

    @extend_schema(request=StopEscalationSerializer, responses={200: CaseSerializer, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path=r"notices/(?P<notice_id>[0-9]+)/stop-escalation")
    def stop_escalation(self, request, reference=None, notice_id=None):
        """Stop one step of a platform notice's escalation ladder (``step``), or every pending step."""
        case = selectors.case_for_user(request.user, reference)
        notice = selectors.notice_for_user(request.user, notice_id)
        if notice.case_id != case.pk or notice.is_upstream:
            raise Http404("No such notice.")
        incoming = StopEscalationSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        wanted = incoming.validated_data.get("step")
        try:
            if wanted:
                step = notice.escalation_steps.filter(step=wanted).first()
                if step is None:
                    raise ValidationError({"step": "This notice's ladder has no such step."})
                escalation.escalation_step_stop(step=step, actor_user=request.user)
            else:
                escalation.escalation_ladder_stop(notice=notice, actor_user=request.user)
        except escalation.EscalationError as exc:
            return Response({"detail": str(exc), "code": "not_pending"}, status=status.HTTP_409_CONFLICT)
        return Response(_case_body(case))

    @extend_schema(request=None, responses={200: CaseSerializer, 409: OpenApiTypes.OBJECT})
    @action(
        detail=True,
        methods=["post"],
        url_path=r"notices/(?P<notice_id>[0-9]+)/replies/(?P<event_id>[0-9]+)/(?P<decision>release|discard)",
    )
    def held_reply(self, request, reference=None, notice_id=None, event_id=None, decision=None):
        """Release a reply the relay held (its sender was not authenticated) to the victim, or discard it."""
        case = selectors.case_for_user(request.user, reference)
        notice = selectors.notice_for_user(request.user, notice_id)
        if notice.case_id != case.pk:
            raise Http404("No such notice.")
        service = replies.notice_reply_release if decision == "release" else replies.notice_reply_discard
        try:
            service(notice=notice, event_id=int(event_id), actor_user=request.user)
        except replies.ReplyNotHeld:
            return Response({"detail": "This reply is not held.", "code": "not_held"}, status=status.HTTP_409_CONFLICT)
        return Response(_case_body(case))

    @extend_schema(request=None, responses=SendResultSerializer)
    @action(detail=True, methods=["post"], url_path="send-notices")
    def send_notices(self, request, reference=None, **kwargs):
        """Draft what is missing and send every complete notice (the advocate's review counts as done)."""
        case = selectors.case_for_user(request.user, reference)
        queued, held = case_notices_send_all(case=case, actor_user=request.user)
        return Response(
            {
                "queued": [n.pk for n in queued],
                "held": [
                    {
                        "id": n.pk,
                        "platform": n.platform.slug,
                        "reason": "web form: submit it and record the time" if n.channel != "email" else "incomplete",
                        "missing": [
                            {"element": e.key, "fix": str(e.fix_hint)} for e in notice_missing_elements(notice=n)
                        ],
                    }
                    for n in held
                ],
            }
        )
