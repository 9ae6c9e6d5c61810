"""What the campaign pages share: tabs and form reading."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData, UploadFile

from citysteward.cases.services import photos
from citysteward.kernel.errors import InvalidInput
from citysteward.platform.runtime import Runtime

TABS = (("campaigns", "专项行动", "/console/campaigns"), ("subjects", "检查对象台账", "/console/campaigns/subjects"),
        ("templates", "检查标准模板", "/console/campaigns/templates"),
        ("appraisals", "红蓝旗评比", "/console/campaigns/appraisals"), ("tasks", "民生实事", "/console/campaigns/tasks"))


def texts(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


def optional_int(value: Any, field: str, label: str) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not text.lstrip("-").isdigit():
        raise InvalidInput(f"{label}应为整数", {"field": field})
    return int(text)


def optional_float(value: Any, field: str, label: str) -> float | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError as exc:
        raise InvalidInput(f"{label}应为数字", {"field": field}) from exc


async def read_photos(rt: Runtime, form: FormData, name: str) -> tuple[photos.PreparedPhoto, ...]:
    out = []
    for f in form.getlist(name):
        if isinstance(f, UploadFile) and f.filename:
            raw = await f.read()
            if raw:
                out.append(photos.prepare_photo(rt, raw, "before", f.filename))
    return tuple(out)
