"""Plain words for citizens (issue 15): a case's state and the public steps of its timeline as a
citizen would say them, without the bureau's internal names (待受理, 立案, 派遣, 核查 …). Used by the
tracking page, my reports and the public list."""

from __future__ import annotations

from citysteward.cases.domain.model import Action, CaseState

S, A = CaseState, Action

PLAIN_STATES: dict[CaseState, str] = {
    S.REPORTED: "已收到，等待受理",
    S.PENDING_VERIFY: "已受理，正在派人到现场核实",
    S.VERIFIED: "现场核实属实，正在安排处理",
    S.REGISTERED: "正在安排处理单位",
    S.DISPATCHED: "已交给处理单位",
    S.IN_PROGRESS: "处理单位正在处理",
    S.SUSPENDED: "暂缓处理（需要等待条件具备）",
    S.HANDLED: "处理单位已处理，等待现场复查",
    S.CHECKED: "现场复查通过，即将办结",
    S.CLOSED: "已结案：问题已处理完毕",
    S.VOIDED: "经核实不需要处理",
    S.REJECTED: "不属于城市管理范围，未受理",
    S.MERGED: "与其他市民反映的同一问题合并处理",
}

PLAIN_STEPS: dict[Action, str] = {
    A.REPORT: "收到您的反映",
    A.ACCEPT: "已受理，安排人员到现场核实",
    A.VERIFY: "现场核实：问题属实",
    A.REFUTE: "现场核实：未发现问题",
    A.REGISTER: "确认需要处理",
    A.VOID: "经核实不需要处理",
    A.REJECT: "不属于城市管理范围",
    A.MERGE: "与同一问题合并处理",
    A.DISPATCH: "交给处理单位",
    A.ACCEPT_TASK: "处理单位已接手",
    A.HANDLE: "处理单位已处理",
    A.CHECK_PASS: "现场复查：已处理好",
    A.CHECK_FAIL: "现场复查：还没处理好，重新处理",
    A.CLOSE: "已办结",
    A.SELF_HANDLE: "巡查人员已在现场处理",
    A.REOPEN: "反映问题未解决，重新处理",
    A.RATE: "收到您的评价",
    A.ME_TOO: "又有市民反映了同样的问题",
    A.APPROVE_SUSPEND: "暂缓处理（需要等待条件具备）",
    A.RESUME: "恢复处理",
    A.APPROVE_EXTENSION: "处理需要更多时间，已延长期限",
    A.APPROVE_RETURN: "重新安排处理单位",
}


def plain_state(state: CaseState | str) -> str:
    try:
        return PLAIN_STATES[CaseState(state)]
    except ValueError:
        return "处理中"


def plain_step(action: Action | str) -> str:
    try:
        action = Action(action)
    except ValueError:
        return "处理进展"
    return PLAIN_STEPS.get(action, action.label)
