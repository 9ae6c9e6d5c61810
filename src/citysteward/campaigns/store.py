"""SQL storage of the campaigns context."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, update

from citysteward.campaigns import tables as t
from citysteward.campaigns.domain import ChecklistItem, SubjectKind, Template
from citysteward.cases.tables import cases as C
from citysteward.platform.db import upsert
from citysteward.supervision.tables import supervision_tickets as TK


def _new_id(result: Any) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _rows(result: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in result]


class SqlCampaignsRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ---- campaigns
    def add_campaign(self, row: dict[str, Any], phases: Sequence[dict[str, Any]]) -> int:
        cid = _new_id(self.conn.execute(insert(t.campaigns).values(**row)))
        if phases:
            self.conn.execute(insert(t.campaign_phases), [{**p, "campaign_id": cid} for p in phases])
        return cid

    def campaign(self, code: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(t.campaigns).where(t.campaigns.c.code == code)).first()
        return dict(row._mapping) if row else None

    def campaigns(self, state: str | None = None) -> list[dict[str, Any]]:
        q = select(t.campaigns).order_by(t.campaigns.c.id.desc())
        if state:
            q = q.where(t.campaigns.c.state == state)
        return _rows(self.conn.execute(q))

    def phases(self, campaign_id: int) -> list[dict[str, Any]]:
        P = t.campaign_phases
        return _rows(self.conn.execute(select(P).where(P.c.campaign_id == campaign_id).order_by(P.c.seq, P.c.id)))

    def add_targets(self, campaign_id: int, subject_ids: Sequence[int]) -> int:
        have = set(self.targets(campaign_id))
        new = [s for s in dict.fromkeys(subject_ids) if s not in have]
        if new:
            self.conn.execute(insert(t.campaign_targets), [{"campaign_id": campaign_id, "subject_id": s} for s in new])
        return len(new)

    def targets(self, campaign_id: int) -> list[int]:
        T = t.campaign_targets
        return [int(r[0]) for r in self.conn.execute(
            select(T.c.subject_id).where(T.c.campaign_id == campaign_id).order_by(T.c.subject_id))]

    def link(self, campaign_id: int, kind: str, ref_id: int, ref_no: str, at: datetime) -> bool:
        L = t.campaign_links
        stmt = upsert(self.conn, L).values(campaign_id=campaign_id, kind=kind, ref_id=ref_id, ref_no=ref_no,
                                           linked_at=at).on_conflict_do_nothing()
        return bool(self.conn.execute(stmt).rowcount)

    def linked_tickets(self, campaign_id: int) -> list[dict[str, Any]]:
        L = t.campaign_links
        q = (select(TK.c.id, TK.c.ticket_no, TK.c.level, TK.c.state, TK.c.title, TK.c.issued_at, TK.c.closed_at)
             .join(L, and_(L.c.ref_id == TK.c.id, L.c.kind == "ticket"))
             .where(L.c.campaign_id == campaign_id).order_by(TK.c.id))
        return _rows(self.conn.execute(q))

    def linked_cases(self, campaign_id: int) -> list[dict[str, Any]]:
        L = t.campaign_links
        q = (select(C.c.id, C.c.case_no, C.c.state, C.c.category_code, C.c.street_code, C.c.main_unit_id,
                    C.c.reported_at, C.c.closed_at, C.c.address)
             .join(L, and_(L.c.ref_id == C.c.id, L.c.kind == "case"))
             .where(L.c.campaign_id == campaign_id).order_by(C.c.id))
        return _rows(self.conn.execute(q))

    def ticket_ids_by_title(self, prefix: str) -> list[tuple[int, str]]:
        q = select(TK.c.id, TK.c.ticket_no).where(TK.c.title.startswith(prefix, autoescape=True)).order_by(TK.c.id)
        return [(int(i), str(n)) for i, n in self.conn.execute(q)]

    # ---- subjects
    def add_subject(self, row: dict[str, Any]) -> int:
        return _new_id(self.conn.execute(insert(t.campaign_subjects).values(**row)))

    def subject(self, subject_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(t.campaign_subjects).where(t.campaign_subjects.c.id == subject_id)).first()
        return dict(row._mapping) if row else None

    def subjects(self, *, kind: str | None = None, area_code: str | None = None, cells: Sequence[str] | None = None,
                 ids: Sequence[int] | None = None, limit: int = 500) -> list[dict[str, Any]]:
        S = t.campaign_subjects
        q = select(S).where(S.c.active.is_(True)).order_by(S.c.id).limit(limit)
        if kind:
            q = q.where(S.c.kind == kind)
        if area_code:
            q = q.where(S.c.area_code == area_code)
        if cells is not None:
            q = q.where(S.c.cell.in_(list(cells)))
        if ids is not None:
            q = q.where(S.c.id.in_(list(ids)))
        return _rows(self.conn.execute(q))

    def subject_by_name(self, kind: str, name: str) -> dict[str, Any] | None:
        S = t.campaign_subjects
        row = self.conn.execute(select(S).where(S.c.kind == kind, S.c.name == name).order_by(S.c.id).limit(1)).first()
        return dict(row._mapping) if row else None

    # ---- checklist templates
    def add_template(self, template: Template, at: datetime, by: str) -> int:
        TT = t.checklist_templates
        self.conn.execute(update(TT).where(TT.c.code == template.code).values(current=False))
        tid = _new_id(self.conn.execute(insert(TT).values(
            code=template.code, version=template.version, name=template.name,
            subject_kind=template.subject_kind.value, note=template.note, current=True, created_at=at,
            created_by=by)))
        self.conn.execute(insert(t.checklist_items), [
            {"template_id": tid, "seq": i, "code": it.code, "text": it.text, "weight": it.weight,
             "photo_required": it.photo_required, "count_min": it.count_min, "count_unit": it.count_unit,
             "category_code": it.category_code} for i, it in enumerate(template.items, start=1)])
        return tid

    def _template(self, where: Any) -> Template | None:
        TT, IT = t.checklist_templates, t.checklist_items
        row = self.conn.execute(select(TT).where(where)).first()
        if row is None:
            return None
        items = self.conn.execute(select(IT).where(IT.c.template_id == row.id).order_by(IT.c.seq, IT.c.id))
        return Template(code=row.code, name=row.name, subject_kind=SubjectKind(row.subject_kind), version=row.version,
                        note=row.note, id=row.id, items=tuple(
                            ChecklistItem(code=i.code, text=i.text, weight=float(i.weight),
                                          photo_required=bool(i.photo_required), count_min=i.count_min,
                                          count_unit=i.count_unit, category_code=i.category_code, id=i.id)
                            for i in items))

    def template(self, template_id: int) -> Template | None:
        return self._template(t.checklist_templates.c.id == template_id)

    def current_template(self, code: str) -> Template | None:
        TT = t.checklist_templates
        return self._template(and_(TT.c.code == code, TT.c.current.is_(True)))

    def templates(self, *, current_only: bool = True) -> list[dict[str, Any]]:
        TT = t.checklist_templates
        q = select(TT).order_by(TT.c.code, TT.c.version.desc())
        if current_only:
            q = q.where(TT.c.current.is_(True))
        return _rows(self.conn.execute(q))

    def template_version(self, code: str) -> int:
        TT = t.checklist_templates
        rows = self.conn.execute(select(TT.c.version).where(TT.c.code == code)).scalars().all()
        return max(rows, default=0)

    # ---- inspections
    def add_inspection(self, row: dict[str, Any], results: Sequence[dict[str, Any]]) -> int:
        iid = _new_id(self.conn.execute(insert(t.inspections).values(**row)))
        self.conn.execute(insert(t.inspection_results), [{**r, "inspection_id": iid} for r in results])
        return iid

    def inspection(self, inspection_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(t.inspections).where(t.inspections.c.id == inspection_id)).first()
        return dict(row._mapping) if row else None

    def result(self, result_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        R = t.inspection_results
        q = select(R).where(R.c.id == result_id)
        if lock and self.conn.dialect.name == "postgresql":
            q = q.with_for_update()
        row = self.conn.execute(q).first()
        return dict(row._mapping) if row else None

    def set_result_link(self, result_id: int, changes: dict[str, Any]) -> None:
        R = t.inspection_results
        self.conn.execute(update(R).where(R.c.id == result_id).values(**changes))

    def inspections(self, *, campaign_id: int | None = None, start: datetime | None = None,
                    end: datetime | None = None, subject_id: int | None = None,
                    limit: int = 5000) -> list[dict[str, Any]]:
        N = t.inspections
        q = select(N).order_by(N.c.at, N.c.id).limit(limit)
        if campaign_id is not None:
            q = q.where(N.c.campaign_id == campaign_id)
        if subject_id is not None:
            q = q.where(N.c.subject_id == subject_id)
        if start is not None:
            q = q.where(N.c.at >= start)
        if end is not None:
            q = q.where(N.c.at < end)
        return _rows(self.conn.execute(q))

    def results_of(self, inspection_ids: Sequence[int]) -> list[dict[str, Any]]:
        """Item results with their item's text, and the state of the case or ticket a failure became."""
        if not inspection_ids:
            return []
        R, IT = t.inspection_results, t.checklist_items
        out: list[dict[str, Any]] = []
        ids = list(inspection_ids)
        for i in range(0, len(ids), 500):
            q = (select(R, IT.c.text.label("item_text"), IT.c.weight, IT.c.seq,
                        C.c.state.label("case_state"), C.c.closed_at.label("case_closed_at"),
                        TK.c.state.label("ticket_state"), TK.c.closed_at.label("ticket_closed_at"))
                 .join(IT, IT.c.id == R.c.item_id)
                 .outerjoin(C, C.c.id == R.c.case_id)
                 .outerjoin(TK, TK.c.id == R.c.ticket_id)
                 .where(R.c.inspection_id.in_(ids[i:i + 500])).order_by(R.c.inspection_id, IT.c.seq, R.c.id))
            out += _rows(self.conn.execute(q))
        return out

    # ---- appraisals
    def save_appraisal(self, row: dict[str, Any], rows: Sequence[dict[str, Any]]) -> int:
        aid = _new_id(self.conn.execute(insert(t.appraisals).values(**row)))
        if rows:
            self.conn.execute(insert(t.appraisal_rows), [{**r, "appraisal_id": aid} for r in rows])
        return aid

    def appraisals(self, campaign_id: int | None, limit: int = 50) -> list[dict[str, Any]]:
        A = t.appraisals
        q = select(A).order_by(A.c.published_at.desc(), A.c.id.desc()).limit(limit)
        if campaign_id is not None:
            q = q.where(A.c.campaign_id == campaign_id)
        return _rows(self.conn.execute(q))

    def appraisal_rows(self, appraisal_id: int) -> list[dict[str, Any]]:
        R = t.appraisal_rows
        return _rows(self.conn.execute(select(R).where(R.c.appraisal_id == appraisal_id).order_by(R.c.id)))


class SqlKeyTaskRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_task(self, row: dict[str, Any], milestones: Sequence[dict[str, Any]]) -> int:
        tid = _new_id(self.conn.execute(insert(t.key_tasks).values(**row)))
        if milestones:
            self.conn.execute(insert(t.key_milestones), [{**m, "task_id": tid} for m in milestones])
        return tid

    def tasks(self, year: int) -> list[dict[str, Any]]:
        K = t.key_tasks
        return _rows(self.conn.execute(select(K).where(K.c.year == year).order_by(K.c.level.desc(), K.c.seq, K.c.id)))

    def task(self, task_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(t.key_tasks).where(t.key_tasks.c.id == task_id)).first()
        return dict(row._mapping) if row else None

    def milestones(self, task_ids: Sequence[int]) -> list[dict[str, Any]]:
        M = t.key_milestones
        if not task_ids:
            return []
        return _rows(self.conn.execute(select(M).where(M.c.task_id.in_(list(task_ids))).order_by(M.c.task_id, M.c.seq)))

    def set_milestone(self, milestone_id: int, changes: dict[str, Any]) -> None:
        M = t.key_milestones
        self.conn.execute(update(M).where(M.c.id == milestone_id).values(**changes))

    def put_progress(self, task_id: int, month: str, percent: int, note: str, at: datetime, by: str) -> None:
        P = t.key_progress
        self.conn.execute(delete(P).where(P.c.task_id == task_id, P.c.month == month))
        self.conn.execute(insert(P).values(task_id=task_id, month=month, percent=percent, note=note, reported_at=at,
                                           reported_by=by))

    def progress(self, task_ids: Sequence[int]) -> list[dict[str, Any]]:
        P = t.key_progress
        if not task_ids:
            return []
        return _rows(self.conn.execute(select(P).where(P.c.task_id.in_(list(task_ids))).order_by(P.c.task_id, P.c.month)))

    def overdue_milestones(self, today: date) -> list[dict[str, Any]]:
        M, K = t.key_milestones, t.key_tasks
        q = (select(M, K.c.name.label("task_name"), K.c.owner_unit_id, K.c.owner_name)
             .join(K, K.c.id == M.c.task_id)
             .where(M.c.done_on.is_(None), M.c.due_on < today).order_by(M.c.due_on, M.c.id))
        return _rows(self.conn.execute(q))
