"""The audit log in words an auditor reads (R21.1): every action and subject type in Chinese.

Every constant of ``audit.actions`` has its label here (a test keeps it so); a case's verbs read
as "<the kind's label>·<the verb's>", the kind's label given by the page that shows them, since
the kinds live above this app.
"""

from __future__ import annotations

from xueji.audit import actions as a

LABELS: dict[str, str] = {
    a.API_TOKEN_ISSUE: "获取接口令牌",
    a.API_TOKEN_REVOKE: "撤销接口令牌",
    a.LOGIN: "登录",
    a.LOGIN_FAILED: "登录失败",
    a.LOGIN_LOCKED: "账号被锁定",
    a.LOGOUT: "退出登录",
    a.PASSWORD_CHANGE: "修改密码",
    a.PASSWORD_RESET: "管理员重置密码",
    a.OTP_ENROL: "启用两步验证",
    a.OTP_RESET: "重置两步验证",
    a.OTP_FAILED: "两步验证码错误",
    a.OTP_RECOVERY_USED: "使用恢复码",
    a.REGISTRAR_FILE: "学籍管理员报备",
    a.REGISTRAR_ACKNOWLEDGE: "学籍管理员备案确认",
    a.REGISTRAR_RETURN: "学籍管理员备案退回",
    a.REGISTRAR_DOCUMENT_DOWNLOAD: "查看学籍管理员任命文件",
    a.REGISTRAR_LIST: "查看学籍管理员备案",
    a.CALENDAR_OVERRIDE_CREATE: "新增调休安排",
    a.CALENDAR_OVERRIDE_UPDATE: "修改调休安排",
    a.CALENDAR_OVERRIDE_DELETE: "删除调休安排",
    a.CALENDAR_YEAR_LOAD: "载入节假日安排",
    a.STUDENT_REGISTER: "新生注册",
    a.STUDENT_IMPORT_EXISTING: "导入已有学籍",
    a.STUDENT_UPDATE: "修改学生信息",
    a.STUDENT_XJH_REPLACE: "更换学籍号",
    a.STUDENT_INFORMATION_CHANGE: "变更学籍信息",
    a.STUDENT_DUPLICATE_LOOKUP: "重复学籍查询",
    a.STUDENT_DUPLICATE_CONFIRM: "确认不是重复学籍",
    a.STUDENTS_BULK_IMPORT: "批量导入学生",
    a.EVIDENCE_ATTACH: "上传佐证材料",
    a.EVIDENCE_FILE_FROM_CASE: "材料归入档案",
    a.ARCHIVE_VERIFY: "核验档案备份",
    a.ARCHIVE_ENTRY_ADD: "新增档案记录",
    a.ARCHIVE_ENTRY_UPDATE: "修改档案记录",
    a.ARCHIVE_ENTRY_REMOVE: "移除档案记录",
    a.PAPER_ITEM_RECORD: "登记纸质材料",
    a.ARCHIVE_RECEIPT: "确认收到纸质档案",
    a.ENTRY_APPLICATION_SUBMIT: "提交入学申请",
    a.ENTRY_APPLICATION_DECIDE: "审批入学申请",
    a.FOLLOW_UP_RECORD: "记录跟进",
    a.ENROLLMENT_PLACE: "分班",
    a.ENROLLMENT_STATUS: "学籍状态变化",
    a.ENROLLMENT_GRADE: "年级变化",
    a.ENROLLMENT_REPEAT: "留级",
    a.ENROLLMENT_MOVE: "转入新学校",
    a.ENROLLMENT_CONTINUE: "升学入学",
    a.ENROLLMENT_PERIOD_EXTEND: "延长期限",
    a.ENROLLMENT_PERIOD_EVENT: "期限提醒",
    a.PROMOTION_SUBMIT: "提交学年升级",
    a.PROMOTION_RETURN: "退回学年升级",
    a.PROMOTION_RUN: "执行学年升级",
    a.CLASSES_NEXT_YEAR: "生成下学年班级",
    a.CLASS_DELETE: "删除班级",
    a.CONTINUING_ASSIGN: "升学分配名单",
    a.TRANSFER_EXCEPTION: "转学例外审批",
    a.DISTRICT_POLICY_SET: "修改区级规定",
    a.STUDENT_SEARCH: "查询学生",
    a.STUDENT_VIEW: "查看学生",
    a.STUDENT_REVEAL: "查看学生健康、残疾、资助信息",
    a.STUDENT_CARD_PRINT: "打印学籍卡",
    a.STUDENT_ROSTER_PRINT: "打印花名册",
    a.ARCHIVE_VIEW: "查看档案备份",
    a.ARCHIVE_REVEAL: "查看档案中的健康、资助记录",
    a.ARCHIVE_PACKAGE: "下载档案包",
    a.EVIDENCE_DOWNLOAD: "下载佐证材料",
    a.CASE_LIST: "查看学籍变动列表",
    a.CASE_VIEW: "查看学籍变动",
    a.CASE_DOCUMENT_DOWNLOAD: "下载变动材料",
    a.CASE_PRINT: "打印变动文书",
    a.TRANSFER_VERIFY: "转学学籍核验",
    a.TRANSFER_BATCH_EXPORT: "导出转学批次",
    a.IMPORT_UPLOAD: "上传导入文件",
    a.IMPORT_RUN: "执行导入",
    a.IMPORT_REPORT_DOWNLOAD: "下载导入错误报告",
    a.EXPORT_STUDENTS: "导出学生",
    a.EXPORT_CASES: "导出学籍变动",
    a.EXPORT_REQUEST: "申请后台导出",
    a.EXPORT_RUN: "生成导出文件",
    a.EXPORT_DOWNLOAD: "下载导出文件",
    a.EXPORT_APPROVAL_REQUEST: "申请不脱敏导出",
    a.EXPORT_APPROVAL_DECIDE: "审批不脱敏导出",
    a.EXPORT_APPROVAL_SHEET: "打印导出审批单",
    a.AUDIT_MASKED: "审计记录脱敏（迁移）",
    a.AUDIT_EXPORT: "导出审计日志",
}

VERB_LABELS = {
    "start": "发起",
    "submit": "提交",
    "approve": "同意",
    "reject": "不同意",
    "return": "退回",
    "withdraw": "撤回",
    "evidence": "上传材料",
    "detach": "删除材料",
    "overdue": "逾期",
    "lapse": "失效",
    "supersede": "被取代",
    "platform": "登记省平台办理",
}

SUBJECTS = {
    "Student": "学生",
    "Case": "学籍变动",
    "User": "账号",
    "School": "学校",
    "SchoolClass": "班级",
    "Jurisdiction": "行政区划",
    "Evidence": "佐证材料",
    "ExportJob": "导出任务",
    "ExportRequest": "导出申请",
    "ImportJob": "导入任务",
    "RegistrarFiling": "学籍管理员备案",
    "ArchiveSnapshot": "档案备份",
    "EntryApplication": "入学申请",
    "AuditEvent": "审计记录",
    "CaseDocument": "学籍变动材料",
    "PossibleDuplicate": "疑似重复学籍确认",
    "Promotion": "学年升级",
    "Progression": "升学",
}

# Base data saved through the admin: "<model>.create" / "<model>.update" (actions.base_data).
_BASE = {"create": "新增", "update": "修改"}


def action_label(action: str, kinds: dict[str, str] | None = None) -> str:
    """The action in Chinese; ``kinds`` maps a case kind's key to its label."""
    if action in LABELS:
        return LABELS[action]
    head, _, verb = action.rpartition(".")
    if kinds and head in kinds and verb in VERB_LABELS:
        return f"{kinds[head]}·{VERB_LABELS[verb]}"
    model = head.replace("_", "")
    for name, label in SUBJECTS.items():
        if name.lower() == model and verb in _BASE:
            return f"{_BASE[verb]}{label}"
    return action  # an action written before its label existed: shown as recorded


def subject_label(subject_type: str) -> str:
    return SUBJECTS.get(subject_type, subject_type or "—")


# The notes reads write in a word or two of our own (older rows too): as the auditor reads them.
_NOTES = {
    "api": "通过接口",
    "api history": "通过接口查看变更记录",
    "api evidence": "通过接口查看佐证材料",
    "archive": "学籍档案",
    "archive receipts": "纸质档案移交",
    "paper ledger": "纸质档案台账",
    "inline": "在浏览器中打开",
}
_TABS = {
    "info": "基本信息",
    "family": "家庭成员",
    "evidence": "佐证材料",
    "history": "变更记录",
    "status": "状态与跟进",
}


def note_label(note: str, kinds: dict[str, str] | None = None) -> str:
    """An event's note in Chinese: 「查看：家庭成员」, not 「tab=family」."""
    if note in _NOTES:
        return _NOTES[note]
    if note.startswith("tab="):
        return "查看：" + _TABS.get(note[4:], note[4:])
    if note.startswith("archive reveal="):
        return "学籍档案：显示健康、资助记录"
    if note.startswith("api "):
        return "通过接口：" + note[4:]
    head, sep, tail = note.partition(":")
    if sep and tail == "new" and kinds and head in kinds:
        return f"{kinds[head]}：发起页面"
    return note
