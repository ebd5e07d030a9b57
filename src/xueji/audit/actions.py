"""Every audit action, named once: services and reads write these, the auditor's page and the tests
read them (R2.3, R21.1). A case's verbs are recorded as ``<kind>.<verb>`` (``case_action``)."""

from __future__ import annotations

# Accounts and base data
API_TOKEN_ISSUE = "api_token.issue"  # noqa: S105 (an action name, not a secret)
API_TOKEN_REVOKE = "api_token.revoke"  # noqa: S105
LOGIN = "account.login"
LOGIN_FAILED = "account.login_failed"
LOGIN_LOCKED = "account.locked"
LOGOUT = "account.logout"
PASSWORD_CHANGE = "account.password_change"  # noqa: S105
PASSWORD_RESET = "account.password_reset"  # noqa: S105 (an admin's reset of another account)
OTP_ENROL = "account.otp_enrol"
OTP_RESET = "account.otp_reset"
OTP_FAILED = "account.otp_failed"
OTP_RECOVERY_USED = "account.otp_recovery_used"
REGISTRAR_FILE = "registrar.file"  # R19.1/R19.2: the school files a registrar
REGISTRAR_ACKNOWLEDGE = "registrar.acknowledge"
REGISTRAR_RETURN = "registrar.return"
REGISTRAR_DOCUMENT_DOWNLOAD = "registrar.document_download"
REGISTRAR_LIST = "registrar.list"
CALENDAR_OVERRIDE_CREATE = "calendar_override.create"
CALENDAR_OVERRIDE_UPDATE = "calendar_override.update"
CALENDAR_OVERRIDE_DELETE = "calendar_override.delete"
CALENDAR_YEAR_LOAD = "calendar_year.load"

# The record
STUDENT_REGISTER = "student.register"
STUDENT_IMPORT_EXISTING = "student.import_existing"
STUDENT_UPDATE = "student.update"
STUDENT_XJH_REPLACE = "student.xjh_replace"
STUDENT_INFORMATION_CHANGE = "student.information_change"
STUDENT_DUPLICATE_LOOKUP = "student.duplicate_lookup"  # R6.2: a refusal that looked up the holder
STUDENT_DUPLICATE_CONFIRM = "student.duplicate_confirm"  # R6.2: "not the same child", with a reason
STUDENTS_BULK_IMPORT = "students.bulk_import"
EVIDENCE_ATTACH = "evidence.attach"
EVIDENCE_FILE_FROM_CASE = "evidence.file_from_case"
ARCHIVE_VERIFY = "archive.verify"
ARCHIVE_ENTRY_ADD = "archive_entry.add"
ARCHIVE_ENTRY_UPDATE = "archive_entry.update"
ARCHIVE_ENTRY_REMOVE = "archive_entry.remove"
PAPER_ITEM_RECORD = "paper_item.record"
ARCHIVE_RECEIPT = "archive.receipt"
ENTRY_APPLICATION_SUBMIT = "entry_application.submit"
ENTRY_APPLICATION_DECIDE = "entry_application.decide"
FOLLOW_UP_RECORD = "follow_up.record"

# The one writer of a student's status (students.status)
ENROLLMENT_PLACE = "enrollment.place_in_class"
ENROLLMENT_STATUS = "enrollment.status"
ENROLLMENT_GRADE = "enrollment.grade"
ENROLLMENT_REPEAT = "enrollment.repeat"
ENROLLMENT_MOVE = "enrollment.move"
ENROLLMENT_CONTINUE = "enrollment.continue"  # 升学 (R6.5)
ENROLLMENT_PERIOD_EXTEND = "enrollment.period_extend"
ENROLLMENT_PERIOD_EVENT = "enrollment.period_event"

# The school year (R14.2): a school's promotion, next year's classes
PROMOTION_SUBMIT = "promotion.submit"
PROMOTION_RETURN = "promotion.return"
PROMOTION_RUN = "promotion.run"
CLASSES_NEXT_YEAR = "school_class.next_year"
CLASS_DELETE = "school_class.delete"
CONTINUING_ASSIGN = "continuing.assign"  # the district's 升学 list (R6.5)

# Status-change cases: the engine's verbs, recorded per kind
CASE_VERBS = (
    "start",
    "submit",
    "approve",
    "reject",
    "return",
    "withdraw",
    "evidence",
    "detach",
    "overdue",
    "lapse",
    "supersede",
    "platform",
)
TRANSFER_EXCEPTION = "transfer.exception"
DISTRICT_POLICY_SET = "policy.set"

# Reads of personal data (R21.1)
STUDENT_SEARCH = "student.search"
STUDENT_VIEW = "student.view"
STUDENT_REVEAL = "student.reveal"
STUDENT_CARD_PRINT = "student.card_print"
STUDENT_ROSTER_PRINT = "student.roster_print"
ARCHIVE_VIEW = "archive.view"
ARCHIVE_REVEAL = "archive.reveal"
ARCHIVE_PACKAGE = "archive.package"
EVIDENCE_DOWNLOAD = "evidence.download"
CASE_LIST = "case.list"
CASE_VIEW = "case.view"
CASE_DOCUMENT_DOWNLOAD = "case.document.download"
CASE_PRINT = "case.print"
TRANSFER_VERIFY = "transfer.verify"
TRANSFER_BATCH_EXPORT = "transfer.batch.export"
IMPORT_UPLOAD = "import.upload"
IMPORT_RUN = "import.run"
IMPORT_REPORT_DOWNLOAD = "import.report_download"
EXPORT_STUDENTS = "export.students"
EXPORT_CASES = "export.cases"
EXPORT_REQUEST = "export.request"
EXPORT_RUN = "export.run"
EXPORT_DOWNLOAD = "export.download"
EXPORT_APPROVAL_REQUEST = "export.approval_request"  # R21.1: an unmasked export asked of the district
EXPORT_APPROVAL_DECIDE = "export.approval_decide"
EXPORT_APPROVAL_SHEET = "export.approval_sheet"

# The audit log itself
AUDIT_EXPORT = "audit.export"  # an auditor's export of the log
AUDIT_MASKED = "audit.masked"  # written once, by the audit 0004 migration (it cannot import this)


def case_action(kind: str, verb: str) -> str:
    """The action of a case verb: ``transfer.approve``, ``suspension.submit``."""
    assert verb in CASE_VERBS, verb
    return f"{kind}.{verb}"


def base_data(model: str, *, created: bool) -> str:
    """Base data saved through the admin (schools, classes, accounts): ``school.create``."""
    return f"{model.lower()}.{'create' if created else 'update'}"
