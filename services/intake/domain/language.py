"""The family's language and interpreter need: the list of languages, and the rules a contact's answer keeps."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.common import LANGUAGE_PATTERN, LanguageNeed
from services.chassis.refusal import Refusal, Refused


class Language(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str = Field(pattern=LANGUAGE_PATTERN)
    sv: str = Field(min_length=2, max_length=40)
    en: str = Field(min_length=2, max_length=40)


class LanguageList(BaseModel):
    """The languages a family can be registered with (versioned reference data, no personal data)."""

    model_config = ConfigDict(frozen=True)
    version: str
    languages: tuple[Language, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _unique_with_swedish_and_english(self) -> LanguageList:
        codes = [lang.code for lang in self.languages]
        if len(codes) != len(set(codes)):
            raise ValueError("duplicate language codes")
        if not {"sv", "en"} <= set(codes):
            raise ValueError("the language list must hold Swedish (sv) and English (en)")
        return self

    def by_code(self, code: str) -> Language | None:
        return next((lang for lang in self.languages if lang.code == code), None)

    def by_name(self, words: str) -> Language | None:
        """The language a family named in their own words ("Arabiska", "arabic", "ar"), if it is on the list."""
        said = " ".join(words.split()).casefold()
        return next((lang for lang in self.languages if said in (lang.code, lang.sv.casefold(), lang.en.casefold())),
                    None)


def _at(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def language_need(code: str | None, interpreter: bool, languages: LanguageList, field: str = "") -> LanguageNeed | None:
    """What a contact said of the family's language, checked: a known code; an interpreter only with a language
    other than Swedish (an interpreter *to* Swedish is what it is for). `field`: where the answer sits."""
    if code is None or code == "":
        if interpreter:
            raise Refused(Refusal(_at(field, "language"), "missing", "Ange vilket språk tolken ska tala.",
                                  "Say which language the interpreter is to speak."))
        return None
    if languages.by_code(code) is None:
        raise Refused(Refusal(_at(field, "language"), "unknown_language",
                              "Språket finns inte i listan över språk. Välj ett språk i listan.",
                              "The language is not on the list of languages. Choose one from the list."))
    if interpreter and code == "sv":
        raise Refused(Refusal(_at(field, "interpreter_needed"), "interpreter_for_swedish",
                              "En tolk behövs bara för ett annat språk än svenska.",
                              "An interpreter is needed only for a language other than Swedish."))
    return LanguageNeed(language=code, interpreter_needed=interpreter)
