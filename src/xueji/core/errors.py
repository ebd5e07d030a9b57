"""The one exception every refused action raises.

A refusal carries the rule id from RULES.md, a machine code, a Chinese message for people and,
where it belongs to one input, the field it concerns. Pages show it at the field; the API answers
422 (409 for conflicts) with ``{"code", "rule", "message"}``.
"""

from __future__ import annotations


class RuleViolation(Exception):
    """An action refused by a rule of the measures (or by plain input validation)."""

    status = 422

    def __init__(self, *, rule: str, message: str, code: str = "rule_violation", field: str | None = None):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.code = code
        self.field = field

    @property
    def for_people(self) -> str:
        """The message with the article it rests on, in words (依据《办法》第六条): never "R6.3"."""
        from xueji.core.articles import cited

        return cited(self.message, self.rule)

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "rule": self.rule, "message": self.message, "field": self.field}

    def __repr__(self) -> str:
        return f"RuleViolation(rule={self.rule!r}, code={self.code!r}, field={self.field!r})"


class Conflict(RuleViolation):
    """A refusal because something already exists (a duplicate record, a second open case): HTTP 409."""

    status = 409


class RuleViolations(RuleViolation):
    """Several refusals at once (a form with many wrong fields); the first one stands for all."""

    def __init__(self, violations: list[RuleViolation]):
        first = violations[0]
        super().__init__(rule=first.rule, message=first.message, code=first.code, field=first.field)
        self.status = max(v.status for v in violations)
        self.violations = violations
