"""The vocabulary of the case ledger (问题台账): states, actions, roles and sources.

Enums carry their code, Chinese label and badge colour, so templates and reports never spell labels.
"""

from __future__ import annotations

from dataclasses import dataclass

from citysteward.kernel.labels import Labelled


class Role(Labelled):
    CITIZEN = "citizen"
    HOTLINE = "hotline"
    INSPECTOR = "inspector"
    ACCEPTOR = "acceptor"
    SHIFT_LEADER = "shift_leader"
    DISPATCHER = "dispatcher"
    UNIT = "unit"
    SUPERVISOR = "supervisor"
    LEADER = "leader"
    ADMIN = "admin"
    SYSTEM = "system"

    @property
    def is_staff(self) -> bool:
        return self not in (Role.CITIZEN,)

    @property
    def sees_personal_data(self) -> bool:
        """PIPL: reporters' names and phones only for those who must call them back."""
        return self in (Role.HOTLINE, Role.ACCEPTOR, Role.SHIFT_LEADER, Role.ADMIN)


Role.set_labels({
    "citizen": ("市民", "#6c757d"),
    "hotline": ("12345 坐席", "#0dcaf0"),
    "inspector": ("监督员", "#20c997"),
    "acceptor": ("受理员", "#0d6efd"),
    "shift_leader": ("值班长", "#6610f2"),
    "dispatcher": ("派遣员", "#fd7e14"),
    "unit": ("责任单位", "#d63384"),
    "supervisor": ("督查员", "#dc3545"),
    "leader": ("领导", "#212529"),
    "admin": ("系统管理员", "#495057"),
    "system": ("外部系统", "#adb5bd"),
})


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a staff user, a citizen (no account) or the system itself."""

    role: Role
    user_id: int | None = None
    name: str = ""
    unit_id: int | None = None
    client_id: int | None = None

    @classmethod
    def system(cls, name: str = "系统") -> Actor:
        return cls(role=Role.SYSTEM, name=name)
