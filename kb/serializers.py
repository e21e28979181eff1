"""Shapes of ``kb/`` in the API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from contactcenter.api_common import InputSerializer
from kb.models import Article


class ByLanguageSerializer(serializers.Serializer):
    ru = serializers.CharField(allow_blank=True, required=False)
    en = serializers.CharField(allow_blank=True, required=False)


class ArticleOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    titles = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField()
    phrases = serializers.SerializerMethodField()
    enabled = serializers.BooleanField()

    def get_titles(self, article: Article) -> dict[str, str]:
        return {"ru": article.title_ru, "en": article.title_en}

    def get_answers(self, article: Article) -> dict[str, str]:
        return {"ru": article.answer_ru, "en": article.answer_en}

    def get_phrases(self, article: Article) -> list[str]:
        return [phrase.text for phrase in article.phrases.all()]


class ArticleInputSerializer(InputSerializer):
    """Checked in full by ``kb.services.articles.article_clean``; here only the JSON
    types."""

    key = serializers.CharField(max_length=100)
    titles = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    answers = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    phrases = serializers.ListField(child=serializers.CharField(), required=False)
    enabled = serializers.BooleanField(required=False)


class ImportOutputSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()


class ImportItemSerializer(serializers.Serializer):
    """One item of ``kb/import/`` (the format of the dataset's ``kb.json``)."""

    id = serializers.CharField()
    title_ru = serializers.CharField(required=False)
    title_en = serializers.CharField(required=False)
    answer_ru = serializers.CharField(required=False)
    answer_en = serializers.CharField(required=False)
    phrases = serializers.ListField(child=serializers.CharField(), required=False)


class MatchInputSerializer(InputSerializer):
    text = serializers.CharField(max_length=4000)
    language = serializers.ChoiceField(choices=["ru", "en"], required=False, allow_null=True)


class MatchItemSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    key = serializers.CharField()
    score = serializers.FloatField()


class AnswerSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    key = serializers.CharField()
    text = serializers.CharField()
    language = serializers.CharField()


class MatchOutputSerializer(serializers.Serializer):
    matches = MatchItemSerializer(many=True)
    answer = AnswerSerializer(allow_null=True)


def match_shape(result: Any, answer_text: str) -> dict[str, Any]:
    answer = result.answer
    return {
        "matches": [
            {"article": m.article_id, "key": m.key, "score": m.score} for m in result.matches
        ],
        "answer": None
        if answer is None
        else {
            "article": answer.article_id,
            "key": answer.key,
            "text": answer_text,
            "language": result.language,
        },
    }
