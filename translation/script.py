"""The quick guess of a text's language from its letters, before any provider is asked:
mostly Cyrillic is Russian, plain Latin letters are English. Anything else (few letters,
mixed scripts, Latin letters with diacritics of other languages) is unsure: ``None``."""

from __future__ import annotations

# Latin letters with marks that English does not use: German, French, Spanish, Polish...
OTHER_LATIN = set("äöüßàâçéèêëîïôœùûÿñáíóúãõąćęłńśźżčřšžåæø")
# Cyrillic letters that Russian does not use: Ukrainian, Belarusian
OTHER_CYRILLIC = set("іїєґў")
MIN_LETTERS = 3
SHARE = 0.8


def script_guess(text: str) -> str | None:
    cyrillic = latin = other = 0
    for char in text.lower():
        if not char.isalpha():
            continue
        if "\u0400" <= char <= "\u04ff":
            cyrillic += 1
        elif "a" <= char <= "z":
            latin += 1
        elif char in OTHER_LATIN or char in OTHER_CYRILLIC:
            return None
        else:
            other += 1
    letters = cyrillic + latin + other
    if letters < MIN_LETTERS:
        return None
    if cyrillic / letters >= SHARE:
        return "ru"
    if latin / letters >= SHARE:
        return "en"
    return None
