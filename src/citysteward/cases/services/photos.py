"""Photo checks: type by content (not by name), size and pixel limits, EXIF stripped (GPS and device
data are personal), stored content-addressed by sha256."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from citysteward.cases.ports import CasesUnitOfWork, unit_of_work
from citysteward.kernel.errors import InvalidInput, NotFound, PayloadTooLarge, UnsupportedMedia
from citysteward.platform.runtime import Runtime

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
PHOTO_KINDS = {"before": "处置前", "after": "处置后"}


@dataclass(frozen=True, slots=True)
class PreparedPhoto:
    data: bytes
    sha256: str
    content_type: str
    ext: str
    width: int
    height: int
    kind: str


def prepare_photo(rt: Runtime, raw: bytes, kind: str = "before", filename: str = "") -> PreparedPhoto:
    if kind not in PHOTO_KINDS:
        raise InvalidInput(f"照片类型只能是 before（处置前）或 after（处置后）：{kind}", {"field": "kind"})
    limit = rt.settings.max_photo_bytes
    if len(raw) > limit:
        raise PayloadTooLarge(f"照片「{filename}」超过 {limit // (1024 * 1024)} MB 上限", {"size": len(raw)})
    if not raw:
        raise InvalidInput(f"照片「{filename}」是空文件")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                fmt = probe.format or ""
                width, height = probe.size
                if fmt not in FORMATS:
                    raise UnsupportedMedia(f"照片「{filename}」不是 JPEG/PNG/WebP 图片", {"format": fmt})
                if width * height > rt.settings.max_photo_pixels:
                    raise PayloadTooLarge(f"照片「{filename}」像素过多（{width}×{height}）", {"pixels": width * height})
                probe.verify()
            with Image.open(io.BytesIO(raw)) as img:
                img.load()
                clean = _strip_metadata(img, fmt)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning,
            Image.DecompressionBombError) as exc:
        if isinstance(exc, Image.DecompressionBombWarning | Image.DecompressionBombError):
            raise PayloadTooLarge(f"照片「{filename}」像素过多，疑似压缩炸弹") from exc
        raise UnsupportedMedia(f"照片「{filename}」不是有效的图片文件") from exc
    content_type, ext = FORMATS[fmt]
    return PreparedPhoto(clean, hashlib.sha256(clean).hexdigest(), content_type, ext, width, height, kind)


def _strip_metadata(img: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        img = img.convert("RGB") if img.mode not in ("RGB", "L") else img
        img.save(out, format="JPEG", quality=88)
    else:
        img.save(out, format=fmt)
    return out.getvalue()


def save_photo(rt: Runtime, uow: CasesUnitOfWork, photo: PreparedPhoto, case_id: int | None, uploader: str) -> int:
    """Write the file (content-addressed, so a rolled-back request leaves only a harmless blob) and
    its row inside the caller's unit of work."""
    rel = Path(photo.sha256[:2]) / f"{photo.sha256}.{photo.ext}"
    path = rt.settings.media_dir / rel
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(photo.data)
        tmp.replace(path)
    return uow.cases.add_photo({
        "case_id": case_id, "kind": photo.kind, "sha256": photo.sha256, "content_type": photo.content_type,
        "size": len(photo.data), "width": photo.width, "height": photo.height, "path": str(rel),
        "uploaded_by": uploader, "created_at": rt.now(),
    })


def upload_photos(rt: Runtime, photos: list[PreparedPhoto], uploader: str) -> list[int]:
    """Upload ahead of an action (e.g. after-photos before `handle`); linked when the action commits."""
    with unit_of_work(rt) as uow:
        ids = [save_photo(rt, uow, p, None, uploader) for p in photos]
        uow.commit()
    return ids


def photo_file(rt: Runtime, photo_id: int) -> tuple[Path, dict[str, Any]]:
    with unit_of_work(rt, readonly=True) as uow:
        row = uow.cases.photo(photo_id)
    if row is None:
        raise NotFound("照片不存在")
    return rt.settings.media_dir / row["path"], row
