"""Request bodies of the REST API (Pydantic); responses are plain dicts from services."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from citysteward.catalogue import services as catalogue_services
from citysteward.catalogue.domain import categories as cat_domain
from citysteward.kernel.errors import NotFound
from citysteward.org.deps import AdminUser
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.schemas import ExtensionBody, Strict, Text


class CategoryPatch(Strict):
    name: Text | None = Field(default=None, min_length=1, max_length=100)
    active: bool | None = None
    same_day: bool | None = None
    default_urgency: Literal["normal", "urgent", "critical"] | None = None
    limits: dict[Literal["normal", "urgent", "critical"], ExtensionBody] | None = None
    attributes: list[dict[str, Any]] | None = None

router = APIRouter(prefix="/api/v1")


# ---------------------------------------------------------------- categories
@router.get("/categories", tags=["categories"], summary="问题类别（可搜索）")
def categories(rt: RuntimeDep, q: Annotated[str | None, Query(max_length=50)] = None,
               include_inactive: bool = False) -> list[dict[str, Any]]:
    cats = catalogue_services.list_categories(rt, active_only=not include_inactive)
    if q:
        cats = cat_domain.search(cats, q, include_inactive=include_inactive)
    return [c.to_dict() for c in cats]


@router.get("/categories/{code}", tags=["categories"], summary="类别详情")
def category(code: str, rt: RuntimeDep) -> dict[str, Any]:
    found = catalogue_services.catalogue(rt).by_code.get(code)
    if found is None:
        raise NotFound(f"类别 {code} 不存在")
    return found.to_dict()


@router.patch("/categories/{code}", tags=["categories"], summary="修改类别（时限、启用）")
def patch_category(code: str, body: CategoryPatch, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    changes = body.model_dump(exclude_none=True)
    return catalogue_services.update_category(rt, user.actor, code, changes).to_dict()
