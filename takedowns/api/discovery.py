"""Discovery in the API (advocates): the watchlist of sites to crawl, and the review of findings."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from takedowns import selectors
from takedowns.api.permissions import IsAdvocate
from takedowns.models import CrawlRun, Finding, FindingKind, WatchedSite
from takedowns.services import discovery


class CrawlRunSerializer(serializers.ModelSerializer):
    pages_queued = serializers.SerializerMethodField()

    class Meta:
        model = CrawlRun
        fields = [
            "id",
            "state",
            "started_at",
            "finished_at",
            "pages_fetched",
            "pages_failed",
            "pages_queued",
            "images_hashed",
            "images_failed",
            "error",
        ]

    def get_pages_queued(self, run) -> int:
        return run.pages.filter(state="queued").count()


class WatchedSiteSerializer(serializers.ModelSerializer):
    start_urls = serializers.ListField(child=serializers.CharField(max_length=2000), allow_empty=False)
    follow_patterns = serializers.ListField(child=serializers.CharField(max_length=500), required=False)
    max_pages = serializers.IntegerField(min_value=1, max_value=100_000)
    max_depth = serializers.IntegerField(min_value=0, max_value=50, required=False)
    requests_per_second = serializers.FloatField(min_value=0.1, max_value=20, required=False)
    recrawl_hours = serializers.IntegerField(min_value=1, max_value=24 * 365, required=False)
    last_crawl = serializers.SerializerMethodField()

    class Meta:
        model = WatchedSite
        fields = [
            "id",
            "name",
            "start_urls",
            "sitemap_url",
            "follow_patterns",
            "max_pages",
            "max_depth",
            "requests_per_second",
            "recrawl_hours",
            "obey_robots",
            "robots_override_reason",
            "next_crawl_at",
            "created_at",
            "last_crawl",
        ]
        read_only_fields = ["id", "next_crawl_at", "created_at", "last_crawl"]

    def get_last_crawl(self, site) -> dict | None:
        run = site.runs.order_by("-started_at", "-id").first()
        return CrawlRunSerializer(run).data if run else None


class WatchedSiteViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Sites advocates watch for victims' images. Create with `name`, `start_urls` and `max_pages`; the rest
    has defaults (robots.txt obeyed; overriding it needs `robots_override_reason`)."""

    permission_classes = [IsAuthenticated, IsAdvocate]
    serializer_class = WatchedSiteSerializer

    def get_queryset(self):
        return WatchedSite.objects.filter(active=True).order_by("id")

    def perform_create(self, serializer):
        try:
            serializer.instance = discovery.watched_site_create(
                fields=dict(serializer.validated_data), actor_user=self.request.user
            )
        except discovery.WatchlistInputError as exc:
            raise ValidationError(exc.errors) from exc

    def perform_update(self, serializer):
        try:
            serializer.instance = discovery.watched_site_update(
                site=serializer.instance, fields=dict(serializer.validated_data), actor_user=self.request.user
            )
        except discovery.WatchlistInputError as exc:
            raise ValidationError(exc.errors) from exc

    def perform_destroy(self, instance):
        discovery.watched_site_remove(site=instance, actor_user=self.request.user)

    @extend_schema(request=None, responses={202: CrawlRunSerializer})
    @action(detail=True, methods=["post"], url_path="crawl")
    def crawl(self, request, pk=None, **kwargs):
        """Crawl now (or return the crawl already running)."""
        run = discovery.crawl_start(site=self.get_object())
        return Response(CrawlRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class LikenessMatchSerializer(serializers.Serializer):
    distance = serializers.FloatField(help_text="Euclidean distance between the face and the template.")
    threshold = serializers.FloatField()
    model = serializers.CharField()
    box = serializers.ListField(child=serializers.IntegerField(), help_text="[left, top, right, bottom] in pixels.")
    faces_compared = serializers.IntegerField()
    faces_too_small = serializers.IntegerField()
    template_faces = serializers.IntegerField()


class FindingSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.reference")
    likeness = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = [
            "id",
            "case",
            "kind",
            "page_url",
            "image_url",
            "stage",
            "distance",
            "reason",
            "status",
            "created_at",
            "likeness",
        ]

    @extend_schema_field(LikenessMatchSerializer(allow_null=True))
    def get_likeness(self, finding):
        """For ``kind: likeness``: what was compared (null otherwise, and after consent is withdrawn)."""
        match = getattr(finding, "likeness", None) if finding.kind == FindingKind.LIKENESS else None
        return LikenessMatchSerializer(match).data if match is not None else None


class FindingViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One finding; an advocate confirms it (the page is added to the case and its notice drafted) or
    dismisses it."""

    permission_classes = [IsAuthenticated, IsAdvocate]
    serializer_class = FindingSerializer

    def get_queryset(self):
        return selectors.findings_for_user(self.request.user)

    def _decide(self, service):
        try:
            finding = service(finding=self.get_object(), actor_user=self.request.user)
        except discovery.FindingStateError as exc:
            return Response({"detail": str(exc), "code": "finding_decided"}, status=status.HTTP_409_CONFLICT)
        return Response(FindingSerializer(finding).data)

    @extend_schema(request=None, responses=FindingSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None, **kwargs):
        return self._decide(discovery.finding_confirm)

    @extend_schema(request=None, responses=FindingSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None, **kwargs):
        return self._decide(discovery.finding_dismiss)
