"""The vocabulary of the case ledger (问题台账): states, actions, roles and sources.

Enums carry their code, Chinese label and badge colour, so templates and reports never spell labels.
"""

from __future__ import annotations

from citysteward.kernel.labels import Labelled


class CaseState(Labelled):
    REPORTED = "reported"
    PENDING_VERIFY = "pending_verify"
    VERIFIED = "verified"
    REGISTERED = "registered"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    SUSPENDED = "suspended"
    HANDLED = "handled"
    CHECKED = "checked"
    CLOSED = "closed"
    VOIDED = "voided"
    REJECTED = "rejected"
    MERGED = "merged"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATES

    @property
    def clock_running(self) -> bool:
        """The handling clock runs from dispatch until the unit reports back (挂账 stops it)."""
        return self in (CaseState.DISPATCHED, CaseState.IN_PROGRESS)


CaseState.set_labels({
    "reported": ("待受理", "#6c757d"),
    "pending_verify": ("待核实", "#0dcaf0"),
    "verified": ("待立案", "#20c997"),
    "registered": ("待派遣", "#0d6efd"),
    "dispatched": ("已派遣", "#6610f2"),
    "in_progress": ("处置中", "#fd7e14"),
    "suspended": ("已挂账", "#adb5bd"),
    "handled": ("待核查", "#d63384"),
    "checked": ("待结案", "#198754"),
    "closed": ("已结案", "#146c43"),
    "voided": ("已作废", "#495057"),
    "rejected": ("不予受理", "#495057"),
    "merged": ("已合并", "#495057"),
})

FINAL_STATES = frozenset({CaseState.CLOSED, CaseState.VOIDED, CaseState.REJECTED, CaseState.MERGED})
OPEN_STATES = frozenset(s for s in CaseState if s not in FINAL_STATES)


class Source(Labelled):
    CITIZEN = "citizen"
    HOTLINE = "hotline"
    INSPECTOR = "inspector"
    SYSTEM = "system"
    OPEN311 = "open311"
    SENSOR = "sensor"


Source.set_labels({
    "citizen": ("市民随手拍", "#0d6efd"),
    "hotline": ("12345 热线", "#0dcaf0"),
    "inspector": ("监督员上报", "#20c997"),
    "system": ("上级转办", "#6f42c1"),
    "open311": ("Open311 接口", "#6610f2"),
    "sensor": ("物联感知", "#fd7e14"),
})


class Action(Labelled):
    REPORT = "report"
    ACCEPT = "accept"
    VERIFY = "verify"
    REFUTE = "refute"
    REGISTER = "register"
    VOID = "void"
    REJECT = "reject"
    MERGE = "merge"
    DISPATCH = "dispatch"
    ACCEPT_TASK = "accept_task"
    HANDLE = "handle"
    CHECK_PASS = "check_pass"
    CHECK_FAIL = "check_fail"
    CLOSE = "close"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    DENY_EXTENSION = "deny_extension"
    REQUEST_RETURN = "request_return"
    APPROVE_RETURN = "approve_return"
    DENY_RETURN = "deny_return"
    REQUEST_SUSPEND = "request_suspend"
    APPROVE_SUSPEND = "approve_suspend"
    DENY_SUSPEND = "deny_suspend"
    RESUME = "resume"
    SELF_HANDLE = "self_handle"
    REOPEN = "reopen"
    RATE = "rate"
    ME_TOO = "me_too"
    COMMENT = "comment"
    REMIND = "remind"
    SUPERVISE = "supervise"
    OVERDUE = "overdue"


Action.set_labels({
    "report": ("上报", "#6c757d"),
    "accept": ("受理（转核实）", "#0d6efd"),
    "verify": ("核实属实", "#20c997"),
    "refute": ("核实不属实", "#6c757d"),
    "register": ("立案", "#0d6efd"),
    "void": ("作废", "#495057"),
    "reject": ("不予受理", "#495057"),
    "merge": ("合并重复", "#495057"),
    "dispatch": ("派遣", "#6610f2"),
    "accept_task": ("签收", "#fd7e14"),
    "handle": ("处置反馈", "#d63384"),
    "check_pass": ("核查通过", "#198754"),
    "check_fail": ("核查不通过（返工）", "#dc3545"),
    "close": ("结案", "#146c43"),
    "request_extension": ("申请延期", "#ffc107"),
    "approve_extension": ("批准延期", "#ffc107"),
    "deny_extension": ("驳回延期", "#6c757d"),
    "request_return": ("申请回退", "#ffc107"),
    "approve_return": ("批准回退", "#ffc107"),
    "deny_return": ("驳回回退", "#6c757d"),
    "request_suspend": ("申请挂账", "#ffc107"),
    "approve_suspend": ("批准挂账", "#adb5bd"),
    "deny_suspend": ("驳回挂账", "#6c757d"),
    "resume": ("挂账恢复", "#fd7e14"),
    "self_handle": ("自处理", "#20c997"),
    "reopen": ("市民反映未解决", "#dc3545"),
    "rate": ("满意度评价", "#0dcaf0"),
    "me_too": ("我也遇到", "#0dcaf0"),
    "comment": ("备注", "#6c757d"),
    "remind": ("催办", "#ffc107"),
    "supervise": ("督办", "#dc3545"),
    "overdue": ("超期", "#dc3545"),
})


class PendingRequest(Labelled):
    """A unit's request that waits for the dispatcher (延期 / 回退 / 挂账)."""

    EXTENSION = "extension"
    RETURN = "return"
    SUSPEND = "suspend"


PendingRequest.set_labels({
    "extension": ("延期申请待审批", "#ffc107"),
    "return": ("回退申请待审批", "#ffc107"),
    "suspend": ("挂账申请待审批", "#ffc107"),
})


class Satisfaction(Labelled):
    SATISFIED = "satisfied"
    BASICALLY = "basically"
    UNSATISFIED = "unsatisfied"


Satisfaction.set_labels({
    "satisfied": ("满意", "#198754"),
    "basically": ("基本满意", "#ffc107"),
    "unsatisfied": ("不满意", "#dc3545"),
})
# States whose timer light means something: the clock runs, or is paused by 挂账.
TIMED_STATES = frozenset({CaseState.DISPATCHED, CaseState.IN_PROGRESS, CaseState.SUSPENDED})
