"""Product images: decoded with Pillow and re-encoded before they are stored, never kept as sent.

An upload is refused (a ValidationError with a message, nothing stored) unless it is a JPEG,
PNG or WebP image (recognised by its content, not its name) of at most
``settings.CATALOGUE_IMAGE_MAX_BYTES`` and :data:`MAX_PIXELS` that decodes completely. What is
stored is a new file drawn from the decoded pixels: upright (EXIF orientation applied), at
most :data:`MAX_SIDE` pixels on its longer side, without metadata (EXIF, GPS, ICC, text
chunks), in the format it came in. Files live under ``MEDIA_ROOT/catalogue/`` and are served
only by a permission-checked view (``web.views.catalogue.images``).
"""

from __future__ import annotations

import io
import uuid
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from heartline.catalogue.events import ProductChanged
from heartline.catalogue.models import Product, ProductImage
from heartline.core import audit
from heartline.core.events import publish
from heartline.core.models import AuditEntry

FORMATS = {  # Pillow format -> (Content-Type, file extension)
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
CONTENT_TYPES = frozenset(content_type for content_type, _ext in FORMATS.values())
MAX_PIXELS = 40_000_000  # width × height of an upload (a decompression bomb is refused)
MAX_SIDE = 2048  # stored images are scaled down to this many pixels on the longer side
MAX_IMAGES = 20  # per product
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


def max_bytes() -> int:
    return int(getattr(settings, "CATALOGUE_IMAGE_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_megabytes() -> str:
    return f"{max_bytes() / 1048576:g}"


@dataclass(frozen=True)
class Encoded:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _refuse(message: str) -> ValidationError:
    return ValidationError({"image": [message]}, code="image")


def _decode(data: bytes) -> tuple[Image.Image, str]:
    """The fully decoded first frame and its format; raises for anything else."""
    with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
        found = str(probe.format)
        if probe.width * probe.height > MAX_PIXELS:
            raise _refuse(
                _("The image is %(w)s × %(h)s pixels; at most %(max)s million pixels are allowed.")
                % {"w": probe.width, "h": probe.height, "max": MAX_PIXELS // 1_000_000}
            )
        probe.verify()  # checks the structure (PNG chunk checksums, …) without decoding
    image = Image.open(io.BytesIO(data), formats=[found])  # verify() spends the object
    image.load()  # decodes every pixel: a truncated or corrupt file fails here
    return image, found


def _pixels_only(image: Image.Image, found: str) -> Image.Image:
    """A new image holding only the pixels: upright, scaled down, in a mode the format takes."""
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if found == "JPEG":
        mode = "L" if image.mode in ("1", "L") else "RGB"
    else:
        mode = "RGBA" if has_alpha else "RGB"
    image = image.convert(mode)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    return Image.frombytes(mode, image.size, image.tobytes())  # nothing but pixels


def encode_upload(data: bytes) -> Encoded:
    """Decode ``data`` and draw a clean file from its pixels, or a ValidationError."""
    if len(data) > max_bytes():
        raise _refuse(_("The image is larger than %(mb)s MB.") % {"mb": max_megabytes()})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image, found = _decode(data)
            clean = _pixels_only(image, found)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _refuse(_("The image has too many pixels.")) from exc
    except Exception as exc:  # Pillow's decoders raise many kinds; each means "not an image"
        raise _refuse(
            _("This file is not a complete JPEG, PNG or WebP image; choose another file.")
        ) from exc
    out = io.BytesIO()
    if found == "JPEG":
        clean.save(out, "JPEG", quality=88, optimize=True)
    elif found == "PNG":
        clean.save(out, "PNG", optimize=True)
    else:
        clean.save(out, "WEBP", quality=85)
    content_type, extension = FORMATS[found]
    return Encoded(out.getvalue(), content_type, extension, clean.width, clean.height)


def read_upload(upload: Any) -> bytes:
    """The bytes of an uploaded file, reading at most one byte more than the limit."""
    limit = max_bytes()
    if getattr(upload, "size", 0) and upload.size > limit:
        raise _refuse(_("The image is larger than %(mb)s MB.") % {"mb": max_megabytes()})
    upload.seek(0)
    data: bytes = upload.read(limit + 1)
    return data


def delete_files(names: Iterable[str]) -> None:
    for name in names:
        default_storage.delete(name)


def product_image_add(*, actor: Any, product: Product, data: bytes) -> ProductImage:
    """Store a re-encoded image of ``product`` after its other images."""
    if actor is not None and not actor.has_perm("catalogue.manage"):
        raise PermissionDenied("catalogue.manage")
    encoded = encode_upload(data)
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)
        if product.images.count() >= MAX_IMAGES:
            raise _refuse(_("A product has at most %(n)s images.") % {"n": MAX_IMAGES})
        last = product.images.aggregate(last=Max("position"))["last"]
        image = ProductImage(
            product=product,
            content_type=encoded.content_type,
            width=encoded.width,
            height=encoded.height,
            position=0 if last is None else last + 1,
        )
        image.file.save(
            f"{uuid.uuid4().hex}.{encoded.extension}", ContentFile(encoded.data), save=False
        )
        name = str(image.file.name)
        try:
            with transaction.atomic():
                image.save()
                audit.record(
                    actor=actor,
                    action=AuditEntry.Action.UPDATE,
                    obj=product,
                    changes={"images": [None, f"+{image.pk} {encoded.width}×{encoded.height}"]},
                )
                publish(ProductChanged(product_id=product.pk, fields=["images"]))
        except Exception:
            default_storage.delete(name)
            raise
    return image


@transaction.atomic
def product_image_remove(*, actor: Any, image: ProductImage) -> None:
    if actor is not None and not actor.has_perm("catalogue.manage"):
        raise PermissionDenied("catalogue.manage")
    image = ProductImage.objects.select_related("product").get(pk=image.pk)
    name = str(image.file.name)
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=image.product,
        changes={"images": [f"-{image.pk}", None]},
    )
    publish(ProductChanged(product_id=image.product_id, fields=["images"]))
    image.delete()
    transaction.on_commit(lambda: delete_files([name]))
