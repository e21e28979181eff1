"""REST API of the knowledge base: ``kb/articles/`` (admins write; operators, supervisors
and CRM managers read), ``kb/import/`` (admins), ``kb/match/`` (any of those)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from contactcenter import roles
from contactcenter.api_common import ApiViewSet, IsAdmin
from kb import api_examples as examples
from kb import selectors
from kb.models import Article
from kb.serializers import (
    ArticleInputSerializer,
    ArticleOutputSerializer,
    ImportItemSerializer,
    ImportOutputSerializer,
    MatchInputSerializer,
    MatchOutputSerializer,
    match_shape,
)
from kb.services import articles as services
from kb.services import matching


class KbReader(permissions.BasePermission):
    message = "Only staff (operators, supervisors, CRM managers, admins) may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return selectors.user_may_read(user=request.user)


class WritesByAdmins(permissions.BasePermission):
    message = "Only administrators may change the knowledge base."

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in permissions.SAFE_METHODS or roles.is_admin(request.user)


@extend_schema_view(
    list=extend_schema(summary="Knowledge-base articles", examples=examples.ARTICLE_RESPONSES),
    retrieve=extend_schema(summary="One article", examples=examples.ARTICLE_RESPONSES),
    create=extend_schema(
        summary="Create an article (admins)",
        request=ArticleInputSerializer,
        responses={201: ArticleOutputSerializer},
        examples=examples.CREATE_EXAMPLES,
    ),
    partial_update=extend_schema(
        summary="Change an article (admins); phrases, when given, replace the list",
        request=ArticleInputSerializer,
        responses={200: ArticleOutputSerializer},
        examples=examples.UPDATE_EXAMPLES,
    ),
    destroy=extend_schema(summary="Delete an article (admins)", responses={204: None}),
)
class ArticleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Articles: titles and answers in Russian and English, example phrasings, enabled."""

    serializer_class = ArticleOutputSerializer
    queryset = Article.objects.none()
    permission_classes = [permissions.IsAuthenticated, KbReader, WritesByAdmins]

    def get_queryset(self) -> QuerySet[Article]:
        return selectors.article_list()

    def create(self, request: Request) -> Response:
        ArticleInputSerializer(data=request.data).is_valid(raise_exception=True)
        article = services.article_create(data=dict(request.data))
        return Response(self._shape(article.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        article = self.get_object()
        ArticleInputSerializer(data=request.data, partial=True).is_valid(raise_exception=True)
        services.article_update(article=article, data=dict(request.data))
        return Response(self._shape(article.pk))

    def destroy(self, request: Request, pk: str) -> Response:
        services.article_delete(article=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _shape(self, pk: int) -> Any:
        return ArticleOutputSerializer(self.get_queryset().get(pk=pk)).data


class ImportView(APIView):
    """Creates or updates articles from a JSON list in the format of the dataset's
    ``kb.json`` (``id`` becomes the key; an existing key is updated, its phrasings
    kept and the new ones added). A bad item answers 400 naming it, and nothing is
    written."""

    permission_classes = [permissions.IsAuthenticated, IsAdmin]

    @extend_schema(
        summary="Import articles (admins)",
        request=ImportItemSerializer(many=True),
        responses={
            200: ImportOutputSerializer,
            400: OpenApiResponse(description='{"items": ["Item 3 (delivery_cost): ..."]}'),
        },
        examples=examples.IMPORT_EXAMPLES,
    )
    def post(self, request: Request) -> Response:
        try:
            result = services.articles_import(items=request.data)
        except services.ImportInvalid as invalid:
            raise exceptions.ValidationError({"items": invalid.problems}) from None
        return Response({"created": result.created, "updated": result.updated})


class MatchView(APIView):
    """The knowledge base's best articles for a text, offline: up to 3 matches, best
    first, and the answer (in the given language, else the text's) or null when nothing
    is good enough."""

    permission_classes = [permissions.IsAuthenticated, KbReader]

    @extend_schema(
        summary="Match a customer's text against the knowledge base",
        request=MatchInputSerializer,
        responses={200: MatchOutputSerializer},
        examples=examples.MATCH_EXAMPLES,
    )
    def post(self, request: Request) -> Response:
        data = MatchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = matching.match(data.validated_data["text"], data.validated_data.get("language"))
        text = ""
        if result.answer is not None:
            text = matching.answer_text(result.answer.article_id, result.language)
        return Response(match_shape(result, text))


router = SimpleRouter(trailing_slash=True)
router.register("kb/articles", ArticleViewSet, basename="kb-article")

__all__ = ["ImportView", "MatchView", "router"]
