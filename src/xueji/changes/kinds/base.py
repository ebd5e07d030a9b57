"""How a kind of status change is declared: its steps as data, its facts, evidence, effect and refusals.

The engine (changes.services, changes.selectors, the generic pages and API) reads only what this
module defines; a kind is one package under changes/kinds/ that fills it in, listed in
changes.kinds.registry. No generic module names a kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from xueji.core.errors import Conflict, RuleViolation
from xueji.org.policy import Limit

if TYPE_CHECKING:
    from xueji.changes.kinds.facts import FactSchema
    from xueji.changes.models import Case
    from xueji.org.models import School, User


class Party:
    """Who owns a step, relative to the case."""

    SCHOOL = "school"  # the school that started the case (for a transfer: the transfer-in school)
    SCHOOL_BUREAU = "school_bureau"  # that school's district bureau
    OTHER_SCHOOL = "other_school"  # the other school (for a transfer: the transfer-out school)
    OTHER_BUREAU = "other_bureau"  # the other school's district bureau
    # A party outside this deployment (another province, a township office); the starting school's
    # bureau records its answer with evidence (RULES.md, Decision under R10).
    EXTERNAL = "external"


@dataclass(frozen=True)
class Refusal:
    """A refusal a kind can give, as a named constant: the rule it cites and the Chinese message
    (a template whose ``{…}`` the raiser fills in). Tests assert the exact text through these."""

    rule: str
    code: str
    message: str
    field: str | None = None
    conflict: bool = False  # 409: something already exists (a second open case)

    def __call__(self, **values: Any) -> RuleViolation:
        cls = Conflict if self.conflict else RuleViolation
        return cls(rule=self.rule, code=self.code, field=self.field, message=self.message.format(**values))


# Evidence a step needs, seen from the case: its facts, the school's level and the student's grade.
EvidenceRule = Callable[["EvidenceContext"], Mapping[str, str]]


@dataclass(frozen=True)
class Letter:
    """A written report the school prints from the case and sends (R13.2: to the street office and
    to the district): its title, to whom, and its paragraphs, written from the case and the
    student's current enrollment. The student's ID number is never printed in full on a letter."""

    key: str
    title: str
    audience: str  # whom it goes to, as the link says: 打印《title》（报audience）
    recipient: Callable[[Any], str]  # (case) → "北关区红旗路街道办事处"
    paragraphs: Callable[[Any, Any], list[str]]  # (case, enrollment) → the body


@dataclass(frozen=True)
class EvidenceContext:
    facts: Mapping[str, Any]
    school: School
    grade: int | None


def no_evidence(context: EvidenceContext) -> Mapping[str, str]:
    return {}


# Where a step's clock starts: the day the step became the party's turn, or a date in the facts.
TURN = "turn"


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    party: str
    roles: tuple[str, ...]
    # The working days the party has (a limit of the measures, org.policy); None: no clock.
    days: Limit | None = None
    # The clock starts on the day the step became the party's turn (TURN), or on the date a fact
    # names (the day the school learned of a death: ``anchor="learned_on"``).
    anchor: str = TURN
    # Evidence categories (code → label) that must be on the case before this step can pass.
    evidence: EvidenceRule = no_evidence
    # A due date other than "n working days": e.g. the Tuesday filing day of a transfer (R10.4).
    due: Callable[[dt.date, Any], tuple[dt.date, bool, str]] | None = None
    # The label the acting party reads on its approve button.
    action_label: str = "同意"
    # The short name of the step in tables ("转入学校受理" for "转入学校受理（核验、审验材料）").
    short_label: str = ""
    # The case's own clock (Kind.case_days) starts (again) when the case enters this step (R10.7:
    # the online phase counts from the district's approval of the filing, again after a return).
    starts_case_clock: bool = False
    # Facts the acting party decides when it approves (a district's grade decision); the kind's
    # steps may then change (branching).
    decides: tuple[str, ...] = ()
    # For an EXTERNAL step: who records the outside party's answer (the starting school or its
    # bureau) and what the outside party is called.
    recorder: str = Party.SCHOOL_BUREAU
    # Whether the party may end the case here (不同意). A step that only records what happened
    # outside (a street office's receipt) cannot: it is recorded, or sent back to be corrected.
    may_reject: bool = True

    @property
    def short(self) -> str:
        return self.short_label or self.label.split("（")[0]


@dataclass(frozen=True)
class ExtraAction:
    """A verb of one kind beside the engine's (a district exception, a recorded external answer).

    ``perform(actor=, case=, text=)`` is the kind's service; ``allowed(user, case)`` only decides
    whether the button shows (the service checks again)."""

    key: str
    label: str
    roles: tuple[str, ...]
    perform: Callable[..., Case]
    allowed: Callable[[Any, Case], bool]
    prompt: str  # the label of the text box
    done: str  # what the page says after it
    description: str = ""  # the API endpoint's description
    button_class: str = "secondary"
    text_required: bool = True


@dataclass(frozen=True)
class HomeCard:
    """A figure a kind shows on a user's home page, with where to go about it."""

    label: str
    value: int
    url: str  # a url name
    link: str


class Kind:
    """A kind of status change. Subclasses set the class attributes and the methods below."""

    key: ClassVar[str] = ""
    label: ClassVar[str] = ""
    number_prefix: ClassVar[str] = ""
    # The rule ids the kind's audit events cite; the first is cited for missing evidence.
    rules: ClassVar[tuple[str, ...]] = ()
    # Its facts: one schema for the start form, the API and the case page (changes.kinds.facts).
    facts: ClassVar[FactSchema]
    # Every evidence category a document of this kind may have (code → label).
    documents: ClassVar[Mapping[str, str]] = {}
    # The case as a whole: the working days from the step that starts its clock (R10.7), if any.
    case_days: ClassVar[Limit | None] = None
    # Whether the case changes the student's status (R17.2: one such case open per student), the
    # rule a second open case of this same kind cites, and whether filing it withdraws any other
    # open case (R17.2: a death, missing or dropout report supersedes).
    status_changing: ClassVar[bool] = True
    open_case_rule: ClassVar[str] = "R17.2"
    supersedes: ClassVar[bool] = False
    # The refusals its services can give, by code (tests and the API documentation read them).
    refusals: ClassVar[Mapping[str, Refusal]] = {}
    # Its pages and API (a urls module with ``urlpatterns`` and ``app_name``; a ninja Router).
    urls: ClassVar[str | None] = None
    api: ClassVar[str | None] = None
    # Its demo cases: a module with ``seed(*, users, schools, people, say)`` returning the cases.
    demo: ClassVar[str | None] = None
    # The entries it adds to the top menu, and the page where a case of it starts (the case list
    # shows it as a button): (url name, label, roles).
    menu: ClassVar[tuple[tuple[str, str, tuple[str, ...]], ...]] = ()
    start: ClassVar[tuple[str, str, tuple[str, ...]] | None] = None
    # A kind a school starts for one of its students: the statuses it applies to and the button on
    # the student's page that starts it (url name taking ``?student=``, label).
    for_statuses: ClassVar[tuple[str, ...]] = ()
    student_action: ClassVar[tuple[str, str] | None] = None
    # The title of the application form the school prints for signature and stamp, if any.
    printable: ClassVar[str] = ""
    # The written reports the school prints from the case and sends (changes.printing.letter_pdf).
    letters: ClassVar[tuple[Letter, ...]] = ()
    # What the case list calls the two schools ("转出学校", "转入学校" for a transfer).
    school_label: ClassVar[str] = "学校"
    other_school_label: ClassVar[str] = "对方学校"
    # The kind's own box on the case page (a template included after the facts), if any.
    detail_template: ClassVar[str] = ""
    # What the page says once a case is started ({number}); the withdraw button's warning; the
    # hint beside the timeline.
    started_message: ClassVar[str] = "已发起{label} {number}。请上传佐证材料，齐全后提交。"
    withdraw_hint: ClassVar[str] = "撤回后事项终止，不能恢复。"
    timeline_hint: ClassVar[str] = ""
    evidence_hint: ClassVar[str] = ""

    # Every step a case of this kind can have, whatever branch it takes: the inbox asks the
    # database for the steps a role may act on (changes.selectors.inbox) from this list.
    every_step: ClassVar[tuple[Step, ...]] = ()

    def steps(self, case: Case) -> list[Step]:
        """The steps of this case, in order (a kind that branches overrides this)."""
        return list(self.every_step)

    def check_submit(self, case: Case) -> None:
        """Rules the prepared case must meet before it leaves the starting school."""

    def check_decision(self, case: Case, decided: Mapping[str, Any]) -> list[RuleViolation]:
        """The kind's own rules for the facts a step decides (a delivery date not in the future),
        beyond what the schema checks."""
        return []

    def on_complete(self, case: Case, actor: User) -> None:
        """The effect on the record, in the completing transaction; it calls the students app's
        status writers (students.status), never writes an enrollment itself."""
        raise NotImplementedError

    def form_rows(self, case: Case) -> list[tuple[str, str]]:
        """The rows of the printed application form below the student: the facts, as people read
        them (a kind whose facts are a table of its own, an information change, says otherwise)."""
        return self.facts.rows(case.facts)

    def extra_actions(self) -> tuple[ExtraAction, ...]:
        return ()

    def home_cards(self, user: User) -> list[HomeCard]:
        """The kind's own figures on this user's home page (what waits for them beyond the inbox)."""
        return []

    def student_label(self, case: Case) -> tuple[str, str]:
        """The student's name and ID number as the case knows them when the record is not here."""
        return "", ""

    def counterpart(self, case: Case) -> str:
        """The other party, as the list shows it: the other school, or who the case describes."""
        return case.other_school.name if case.other_school is not None else "—"

    def route(self, case: Case) -> str:
        """Which way the student goes, as the lists show it: from the other party to the starting
        school (a transfer in), or the starting school alone when there is no other party."""
        other = self.counterpart(case)
        return f"{other} → {case.school.name}" if other != "—" else case.school.name

    def external_party(self, case: Case) -> str:
        """The name of the party outside this deployment that an EXTERNAL step records."""
        return "系统外单位"

    def step(self, case: Case, key: str) -> Step:
        for candidate in self.steps(case):
            if candidate.key == key:
                return candidate
        raise KeyError(key)

    def document_label(self, category: str) -> str:
        return {**self.documents, **OTHER_DOCUMENT}.get(category, category)


OTHER_DOCUMENT = {"other": "其他材料"}
