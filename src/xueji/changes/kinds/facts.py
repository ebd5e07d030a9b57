"""A kind's facts, declared once: the start form, the API's input and output schemas, the case
page's rows and the service's first check are all made from one ``FactSchema``.

A fact is what a case states (a ground, a date, a reason) or what the service derives from the
record (the grade, a warning). Declared facts are checked here for shape only: a choice must be one
of its codes, a date a date, a text not too long, a required fact present. Rules that read the
record or other facts stay in the kind's services, which raise the same ``RuleViolation``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django import forms
from ninja import Field, Schema
from pydantic import create_model

from xueji.core.api_support import InputSchema, Scalar
from xueji.core.errors import RuleViolation

Type = Literal["choice", "text", "longtext", "date", "bool", "int", "group", "list"]
YES_NO = {"1": "是", "0": "否"}


@dataclass(frozen=True)
class Fact:
    key: str
    label: str
    type: Type = "text"
    choices: Mapping[str, str] = field(default_factory=dict)
    rule: str = "R2.3"
    required: bool = False
    # The refusal's text when a required fact is missing; by default "请选择/请填写{label}".
    required_message: str = ""
    max_length: int = 300
    # A short hint the form shows under the field and the API puts in the description.
    help: str = ""
    placeholder: str = ""
    # Entered by the user (form, API input) or derived by the service (shown only).
    entered: bool = True
    # Shown in the API output; ``page``: also a row of the case page (some have their own box).
    shown: bool = True
    page: bool = True
    # An ID number or the like: shown masked to every party (R21.1).
    masked: bool = False
    members: tuple[Fact, ...] = ()  # a group's facts (stored as a nested object)
    minimum: int | None = None
    maximum: int | None = None

    # ----------------------------------------------------------------- reading a value

    def display(self, value: Any) -> str:
        """The value as a person reads it: a choice's label, a date in Chinese, 是/否."""
        if value is None or value == "" or value == []:
            return "—"
        if self.type == "choice":
            return self.choices.get(str(value), str(value))
        if self.type == "bool":
            return (self.choices or YES_NO)["1" if value else "0"]
        if self.type == "int" and self.choices:
            return self.choices.get(str(value), str(value))
        if self.type == "list":
            return "；".join(str(v) for v in value)
        if self.type == "date":
            try:
                return f"{dt.date.fromisoformat(str(value)):%Y年%m月%d日}"
            except ValueError:
                return str(value)
        if self.masked:
            from xueji.core.identity import mask_id_number

            return mask_id_number(str(value))
        return str(value)

    # ----------------------------------------------------------------- checking a value

    def clean(self, raw: Any, errors: list[RuleViolation]) -> Any:
        """The value as stored, or None; a wrong value adds a refusal to ``errors``."""
        if self.type == "group":
            given = raw if isinstance(raw, Mapping) else {}
            return {m.key: m.clean(given.get(m.key), errors) for m in self.members if m.entered}
        text = "" if raw is None else str(raw).strip()
        if text == "":
            if self.required:
                errors.append(self._refusal("required", self.required_message or self.ask()))
            return None if self.type in ("date", "bool", "int") else ""
        if self.type == "choice":
            if text not in self.choices:
                errors.append(self._refusal("required" if self.required else "bad_code", self.ask()))
            return text
        if self.type == "date":
            try:
                return dt.date.fromisoformat(text).isoformat()
            except ValueError:
                errors.append(self._refusal("bad_date", f"{self.label}应为日期，如 2026-09-01。"))
                return None
        if self.type == "bool":
            if isinstance(raw, bool):
                return raw
            if text in ("1", "true", "True", "是"):
                return True
            if text in ("0", "false", "False", "否"):
                return False
            errors.append(self._refusal("bad_bool", f"请选择{self.label}：是或否。"))
            return None
        if self.type == "int":
            try:
                number = int(text)
            except ValueError:
                number = None
            if number is None or (
                (self.minimum is not None and number < self.minimum)
                or (self.maximum is not None and number > self.maximum)
            ):
                errors.append(self._refusal("bad_number", self.required_message or self.ask()))
                return None
            return number
        if len(text) > self.max_length:  # refused, never cut: the person decides what to drop
            errors.append(
                self._refusal(
                    "too_long", f"{self.label}不能超过 {self.max_length} 字（现为 {len(text)} 字）。"
                )
            )
        return text[: self.max_length]

    def ask(self) -> str:
        if self.type == "choice":
            return f"请选择{self.label}：{'、'.join(self.choices.values())}。"
        return f"请填写{self.label}。"

    def _refusal(self, code: str, message: str) -> RuleViolation:
        return RuleViolation(rule=self.rule, code=code, field=self.key, message=message)

    # ----------------------------------------------------------------- the form field

    def form_field(self) -> forms.Field:
        common: dict[str, Any] = {"label": self.label, "required": False, "help_text": self.help}
        if self.type == "choice":
            return forms.ChoiceField(choices=[("", "— 请选择 —"), *self.choices.items()], **common)
        if self.type == "bool":
            return forms.ChoiceField(
                choices=[("", "— 请选择 —"), *(self.choices or YES_NO).items()], **common
            )
        if self.type == "date":
            # An <input type="date"> takes its value as YYYY-MM-DD whatever the language.
            return forms.DateField(
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common
            )
        if self.type == "int":
            return forms.IntegerField(min_value=self.minimum, max_value=self.maximum, **common)
        # The browser stops at the limit; the schema's own refusal says it otherwise (not Django's
        # generic message beside it).
        attrs = {"maxlength": str(self.max_length)}
        if self.placeholder:
            attrs["placeholder"] = self.placeholder
        if self.type == "longtext":
            attrs["rows"] = "3"
            return forms.CharField(widget=forms.Textarea(attrs=attrs), **common)
        return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)

    # ----------------------------------------------------------------- the API's JSON schema

    def json_schema(self) -> dict[str, Any]:
        """What the API accepts for this fact, as OpenAPI says it; the service answers any other
        value with a 422 that says what is wrong in Chinese."""
        schema: dict[str, Any] = {"title": self.label}
        description = [self.help] if self.help else []
        if self.type == "choice":
            schema.update(type="string", enum=list(self.choices))
            description.append("；".join(f"{code} {label}" for code, label in self.choices.items()))
        elif self.type == "date":
            schema.update(type="string", format="date")
        elif self.type == "bool":
            schema.update(type="boolean")
        elif self.type == "int":
            schema.update(type="integer")
            if self.minimum is not None:
                schema["minimum"] = self.minimum
            if self.maximum is not None:
                schema["maximum"] = self.maximum
        else:
            schema.update(type="string", maxLength=self.max_length)
        if description:
            schema["description"] = "；".join(description)
        return {"anyOf": [schema, {"type": "null"}], "title": self.label}


@dataclass(frozen=True)
class FactSchema:
    """A kind's facts, in the order the form and the case page show them."""

    kind: str
    facts: tuple[Fact, ...]

    def __iter__(self) -> Iterable[Fact]:  # type: ignore[override]
        return iter(self.facts)

    def get(self, key: str) -> Fact:
        for fact in self.facts:
            if fact.key == key:
                return fact
        raise KeyError(key)

    def entered(self) -> list[Fact]:
        return [f for f in self.facts if f.entered]

    def clean(self, raw: Mapping[str, Any], *, only: Iterable[str] | None = None) -> tuple[dict, list]:
        """The entered facts as stored, and the refusals for the wrong ones (all of them at once)."""
        keys = set(only) if only is not None else None
        errors: list[RuleViolation] = []
        clean = {
            fact.key: fact.clean(raw.get(fact.key), errors)
            for fact in self.entered()
            if keys is None or fact.key in keys
        }
        return clean, errors

    def rows(self, facts: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(label, shown value) for the case page, the list's export and the printed forms; an
        optional fact left blank is left out (a row of "—" says nothing)."""
        rows = []
        for fact in self.facts:
            if not (fact.shown and fact.page) or fact.key not in facts or fact.type == "group":
                continue
            value = facts.get(fact.key)
            if value in (None, "", []) and not fact.required:
                continue
            rows.append((fact.label, fact.display(value)))
        return rows

    # ----------------------------------------------------------------- forms and API schemas

    def form_fields(self, keys: Iterable[str]) -> dict[str, forms.Field]:
        return {key: self.get(key).form_field() for key in keys}

    def input_schema(self, name: str, keys: Iterable[str], **extra: Any) -> type[Schema]:
        """A request body with the given entered facts (and ``extra`` fields: name → (type, Field))."""
        fields: dict[str, Any] = {}
        for key in keys:
            fact = self.get(key)
            if fact.type == "group":
                group = FactSchema(self.kind, fact.members)
                nested = group.input_schema(f"{name}{key.title()}", [m.key for m in fact.members])
                fields[key] = (nested | None, Field(None, title=fact.label, description=fact.help))
            else:
                fields[key] = (Scalar, Field(None, json_schema_extra=fact.json_schema()))
        fields.update(extra)
        return create_model(name, __base__=InputSchema, **fields)  # type: ignore[call-overload,no-any-return]

    def output_schema(self, name: str) -> type[Schema]:
        """The facts as the API shows them: ``kind`` names the schema; a choice has its label too."""
        fields: dict[str, Any] = {"kind": (Literal[self.kind], Field(title="类型代码"))}  # type: ignore[valid-type]
        for fact in self.facts:
            if not fact.shown:
                continue
            if fact.type == "group":
                nested = FactSchema(self.kind, fact.members)
                members = {
                    m.key: (str, Field("", title=m.label + ("（脱敏）" if m.masked else "")))
                    for m in nested.facts
                }
                group = create_model(f"{name}{fact.key.title()}", __base__=Schema, **members)  # type: ignore[call-overload]
                fields[fact.key] = (group | None, Field(None, title=fact.label))
                continue
            kind: Any = {
                "bool": bool | None,
                "int": int | None,
                "date": dt.date | None,
                "list": list[str],
            }.get(fact.type, str)
            default: Any = {"list": [], "choice": "", "text": "", "longtext": ""}.get(fact.type)
            fields[fact.key] = (kind, Field(default, title=fact.label, description=fact.help or None))
            if fact.type == "choice":
                fields[f"{fact.key}_label"] = (str, Field("", title=f"{fact.label}（名称）"))
        return create_model(name, __base__=Schema, **fields)  # type: ignore[call-overload,no-any-return]

    def output(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        """The facts in the shape of ``output_schema``: masked where a fact says so."""
        out: dict[str, Any] = {"kind": self.kind}
        for fact in self.facts:
            if not fact.shown:
                continue
            value = facts.get(fact.key)
            if fact.type == "group":
                given = value if isinstance(value, Mapping) else None
                out[fact.key] = (
                    None
                    if not given
                    else {
                        m.key: (
                            m.display(given.get(m.key))
                            if m.masked and given.get(m.key)
                            else str(given.get(m.key) or "")
                        )
                        for m in fact.members
                    }
                )
                continue
            if fact.type == "list":
                out[fact.key] = [str(v) for v in value or []]
            elif fact.type in ("bool", "int", "date"):
                out[fact.key] = value if value not in ("",) else None
            else:
                out[fact.key] = (
                    fact.display(value) if fact.masked and value else ("" if value is None else str(value))
                )
            if fact.type == "choice":
                out[f"{fact.key}_label"] = fact.choices.get(str(value or ""), "")
        return out
