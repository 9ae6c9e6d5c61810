"""Request bodies of the REST API (Pydantic); responses are plain dicts from services."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from citysteward.cases.services import rules as cases_services_rules
from citysteward.org.deps import AdminUser, CurrentStaff
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.schemas import Id, PathId, Strict, Text


class RuleBody(Strict):
    main_unit_id: Id
    assisting_unit_ids: list[Id] = Field(default_factory=list, max_length=20)
    category_code: Text | None = None
    category_class: Text | None = None
    grid_code: Text | None = None
    area_code: Text | None = None
    road: Text | None = None
    note: Text = Field(default="", max_length=200)
    active: bool = True


class RulePatch(Strict):
    main_unit_id: Id | None = None
    assisting_unit_ids: list[Id] | None = Field(default=None, max_length=20)
    category_code: Text | None = None
    category_class: Text | None = None
    grid_code: Text | None = None
    area_code: Text | None = None
    road: Text | None = None
    note: Text | None = None
    active: bool | None = None

router = APIRouter(prefix="/api/v1")


# ---------------------------------------------------------------- responsibility rules
@router.get("/rules", tags=["rules"], summary="责任划分规则")
def list_rules(rt: RuntimeDep, user: CurrentStaff) -> list[dict[str, Any]]:
    return cases_services_rules.list_rules(rt)


@router.post("/rules", tags=["rules"], status_code=201, summary="新增责任规则")
def create_rule(body: RuleBody, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return cases_services_rules.rule_dict(cases_services_rules.create_rule(rt, user.actor, body.model_dump()))


@router.patch("/rules/{rule_id}", tags=["rules"], summary="修改责任规则")
def patch_rule(rule_id: PathId, body: RulePatch, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return cases_services_rules.rule_dict(cases_services_rules.update_rule(rt, user.actor, rule_id, body.model_dump(exclude_unset=True)))


@router.delete("/rules/{rule_id}", tags=["rules"], summary="删除责任规则")
def delete_rule(rule_id: PathId, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    cases_services_rules.delete_rule(rt, user.actor, rule_id)
    return {"ok": True}
