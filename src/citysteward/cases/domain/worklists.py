"""Work queues (待办队列): what waits for whom on the workbench.

A queue is data: which cases (a ledger filter), its title, order and hint, and the actions that clear
it. Who works a queue is not written here but read from the transition table: the roles that may take
one of those actions in one of the queue's states. Roles that oversee work without taking those
actions (the hotline following its calls, supervisors, leaders, administrators) follow a queue by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from citysteward.cases.domain.ledger import CaseFilter
from citysteward.cases.domain.lifecycle import TRANSITIONS
from citysteward.cases.domain.model import Action, CaseState
from citysteward.kernel.actor import Role

S, A, R = CaseState, Action, Role
ORDERS = ("oldest", "deadline")  # oldest: waiting longest first; deadline: nearest deadline first


@dataclass(frozen=True, slots=True)
class Queue:
    key: str
    title: str
    filter: CaseFilter
    order: str
    hint: str
    works: frozenset[Action]  # the actions that take a case off this queue
    followed_by: frozenset[Role] = frozenset()  # oversight: shown without working it

    def worked_by(self, role: Role) -> bool:
        return any(role in TRANSITIONS[(state, action)][1]
                   for state in self.filter.states for action in self.works if (state, action) in TRANSITIONS)


_ON_CLOCK = (S.DISPATCHED, S.IN_PROGRESS)
_REQUESTS = frozenset({A.APPROVE_EXTENSION, A.DENY_EXTENSION, A.APPROVE_RETURN, A.DENY_RETURN,
                       A.APPROVE_SUSPEND, A.DENY_SUSPEND})
_ADMIN = frozenset({R.ADMIN})

# In workbench order.
QUEUES: tuple[Queue, ...] = (
    Queue("reported", S.REPORTED.label, CaseFilter(states=(S.REPORTED,)), "oldest", "受理或作废新上报的问题",
          frozenset({A.ACCEPT, A.REGISTER, A.VOID, A.REJECT}), frozenset({R.HOTLINE, R.ADMIN})),
    Queue("verify", S.PENDING_VERIFY.label, CaseFilter(states=(S.PENDING_VERIFY,)), "oldest", "到现场核实是否属实",
          frozenset({A.VERIFY, A.REFUTE}), _ADMIN),
    Queue("register", S.VERIFIED.label, CaseFilter(states=(S.VERIFIED,)), "oldest", "核实属实，等待立案",
          frozenset({A.REGISTER}), _ADMIN),
    Queue("dispatch", S.REGISTERED.label, CaseFilter(states=(S.REGISTERED,)), "oldest", "已立案，等待派遣到责任单位",
          frozenset({A.DISPATCH}), frozenset({R.LEADER, R.ADMIN})),
    Queue("unit_new", "待签收任务", CaseFilter(states=(S.DISPATCHED,)), "deadline", "本单位新派来的任务",
          frozenset({A.ACCEPT_TASK})),
    Queue("unit_doing", "处置中任务", CaseFilter(states=(S.IN_PROGRESS, S.SUSPENDED)), "deadline",
          "处置完成后上传照片反馈", frozenset({A.HANDLE})),
    Queue("check", S.HANDLED.label, CaseFilter(states=(S.HANDLED,)), "oldest", "单位已反馈，到现场核查",
          frozenset({A.CHECK_PASS, A.CHECK_FAIL}), _ADMIN),
    Queue("close", S.CHECKED.label, CaseFilter(states=(S.CHECKED,)), "oldest", "核查通过，等待结案",
          frozenset({A.CLOSE}), _ADMIN),
    Queue("requests", "待审批申请", CaseFilter(states=_ON_CLOCK, pending_request=True), "deadline",
          "延期、回退、挂账申请", _REQUESTS, frozenset({R.SUPERVISOR})),
    Queue("overdue", "超期案件", CaseFilter(states=_ON_CLOCK, overdue=True), "deadline", "已超过处置时限仍未办结",
          frozenset({A.HANDLE, A.REMIND, A.SUPERVISE}), _ADMIN),
)
QUEUE_BY_KEY: Mapping[str, Queue] = {q.key: q for q in QUEUES}
FALLBACK = ("overdue",)  # a role with no queue of its own still sees what is late


def queues_for(role: Role) -> tuple[Queue, ...]:
    """The queues a role works (from the transition table), then those it follows, in workbench order."""
    worked = tuple(q for q in QUEUES if q.worked_by(role))
    followed = tuple(q for q in QUEUES if role in q.followed_by and q not in worked)
    return worked + followed or tuple(QUEUE_BY_KEY[k] for k in FALLBACK)
