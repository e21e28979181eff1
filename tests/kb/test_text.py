"""The matcher's text handling, alone: normalisation, transliteration back to Cyrillic,
language by script, lemmas and stems, mending typos."""

from __future__ import annotations

from kb.matcher import terms, text
from kb.matcher.index import ArticleData, Index


def test_normalise_lowercases_and_drops_punctuation_and_yo():
    assert text.normalise("  Ещё РАЗ: где   мой заказ?!  ") == "еще раз где мой заказ"
    assert text.normalise("E-mail, пожалуйста…") == "e mail пожалуйста"


def test_padding_words_are_dropped():
    tokens = text.words(text.normalise("Здравствуйте, подскажите пожалуйста где мой заказ"))
    assert text.unpadded(tokens) == ["где", "мой", "заказ"]


def test_latin_written_russian_becomes_cyrillic():
    assert text.cyrillic("dostavka") == "доставка"
    assert text.cyrillic("skolko") == "сколко"
    assert text.cyrillic("garantiya") == "гарантия"
    assert text.cyrillic("rassrochku") == "рассрочку"
    assert text.cyrillic("shchetka") == "щетка"


def test_latin_russian_is_told_from_english():
    def known(word: str) -> bool:
        return terms.russian_known(word)

    english = terms.ENGLISH_COMMON | {"delivery", "shipping"}
    russian = text.words("kak oformit rassrochku na telefon")
    assert text.is_latin_russian(russian, russian_word=known, english=english)
    assert not text.is_latin_russian(
        text.words("how much is delivery"), russian_word=known, english=english
    )


def test_language_by_script():
    assert text.script_language("где мой заказ") == "ru"
    assert text.script_language("where is my order") == "en"
    assert text.script_language("есть в наличии iphone 15") == "ru"
    assert text.script_language("123 ???") is None


def test_the_language_of_a_normalised_text_is_counted_as_by_script():
    for raw in (
        "где мой заказ",
        "where is my order",
        "есть в наличии iphone 15",
        "iPhone 15 Pro Max есть?",
        "ok да",
        "123 ???",
        "",
        "skolko stoit dostavka 2 dnya",
    ):
        normalised = text.normalise(raw)
        assert text.normalised_language(normalised) == text.script_language(normalised), raw


def test_russian_lemmas_and_english_stems():
    assert terms.terms(["доставят", "заказов", "deliveries", "ordered"]) == [
        "доставить",
        "заказ",
        "deliveri",
        "order",
    ]


def test_a_typo_is_mended_to_a_word_the_articles_use():
    index = Index(
        [
            ArticleData(
                id=1,
                key="delivery",
                titles={"ru": "Доставка", "en": "Delivery"},
                answers={"ru": "Доставка бесплатная.", "en": "Delivery is free."},
                phrases=("сколько стоит доставка",),
            )
        ]
    )

    assert index.mend(["доставкв", "стоит"]) == ["доставка", "стоит"]
    assert index.mend(["микроволновка"]) == ["микроволновка"]  # a real word, not a typo
