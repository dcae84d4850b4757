"""Product images: decoded, re-encoded without metadata, stored under MEDIA_ROOT, served only
through the permission-checked view; hostile files refused with nothing stored."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image, PngImagePlugin

from heartline.catalogue.models import ProductImage
from heartline.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def png_bytes(size=(60, 40), color=(200, 30, 30, 255), text: str = "") -> bytes:
    out = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Comment", text)
    Image.new("RGBA", size, color).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def jpeg_with_exif(size=(300, 100)) -> bytes:
    image = Image.new("RGB", size, (10, 120, 200))
    exif = image.getexif()
    exif[0x010E] = "secret description"  # ImageDescription
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=95)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG file whose header claims ``width`` × ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload(client: Client, product_id: int, data: bytes, name: str, **extra: str):  # type: ignore[no-untyped-def]
    file = SimpleUploadedFile(name, data, content_type="image/png")
    return client.post(f"/catalogue/products/{product_id}/images/", {"image": file}, **extra)


def test_png_is_reencoded_without_its_metadata_and_served(catalogue, staff_by_role, client_for):
    manager = client_for(staff_by_role["manager"])
    original = png_bytes(text="made with secret-tool")
    response = upload(manager, catalogue.tea.pk, original, "tea.png")
    assert response.status_code == 302
    assert response["Location"] == f"/catalogue/products/{catalogue.tea.pk}/"
    image = ProductImage.objects.get()
    assert (image.product_id, image.content_type, image.width, image.height, image.position) == (
        catalogue.tea.pk,
        "image/png",
        60,
        40,
        0,
    )
    [path] = stored_files()
    assert path.suffix == ".png"
    assert path.name != "tea.png"
    assert str(path.relative_to(settings.MEDIA_ROOT)).startswith("catalogue/")
    stored = path.read_bytes()
    assert stored != original
    assert b"secret-tool" not in stored
    with Image.open(io.BytesIO(stored)) as again:
        assert (again.format, again.size, again.getpixel((0, 0))) == (
            "PNG",
            (60, 40),
            (200, 30, 30, 255),
        )
        assert "Comment" not in again.info
    entry = AuditEntry.objects.get(object_type="catalogue.product", action="update")
    assert entry.changes == {"images": [None, f"+{image.pk} 60×40"]}

    served = client_for(staff_by_role["agent"]).get(f"/catalogue/images/{image.pk}/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert served["Content-Disposition"] == f'inline; filename="product-image-{image.pk}.png"'
    assert served.content == stored


def test_jpeg_exif_and_gps_are_stripped_and_the_orientation_applied(
    catalogue, staff_by_role, client_for
):
    response = upload(
        client_for(staff_by_role["admin"]), catalogue.tea.pk, jpeg_with_exif(), "photo.jpg"
    )
    assert response.status_code == 302
    image = ProductImage.objects.get()
    assert (image.content_type, image.width, image.height) == ("image/jpeg", 100, 300)
    [path] = stored_files()
    stored = path.read_bytes()
    assert b"secret description" not in stored
    with Image.open(io.BytesIO(stored)) as again:
        assert again.format == "JPEG"
        assert dict(again.getexif()) == {}


def test_webp_and_large_images_are_scaled_down(catalogue, staff_by_role, client_for):
    out = io.BytesIO()
    Image.new("RGB", (4096, 1024), (0, 200, 0)).save(out, "WEBP")
    response = upload(
        client_for(staff_by_role["manager"]), catalogue.tea.pk, out.getvalue(), "wide.webp"
    )
    assert response.status_code == 302
    image = ProductImage.objects.get()
    assert (image.content_type, image.width, image.height) == ("image/webp", 2048, 512)
    assert stored_files()[0].suffix == ".webp"


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, "GIF")
    return out.getvalue()


def _truncated_jpeg() -> bytes:
    data = jpeg_with_exif((400, 400))
    return data[: len(data) // 2]


HOSTILE = {
    "html named .png": (
        b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>",
        "This file is not a complete JPEG, PNG or WebP image; choose another file.",
    ),
    "svg with a script": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "This file is not a complete JPEG, PNG or WebP image; choose another file.",
    ),
    "gif": (_gif(), "This file is not a complete JPEG, PNG or WebP image; choose another file."),
    "truncated png": (
        png_bytes((300, 300))[:-200],
        "This file is not a complete JPEG, PNG or WebP image; choose another file.",
    ),
    "truncated jpeg": (
        _truncated_jpeg(),
        "This file is not a complete JPEG, PNG or WebP image; choose another file.",
    ),
    "decompression bomb": (png_claiming(100_000, 100_000), "The image has too many pixels."),
    "huge dimensions": (
        png_claiming(8000, 8000),
        "The image is 8000 × 8000 pixels; at most 40 million pixels are allowed.",
    ),
    "empty": (b"", "The submitted file is empty."),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_files_are_refused_with_a_message_and_nothing_stored(
    kind, catalogue, staff_by_role, client_for
):
    data, message = HOSTILE[kind]
    before = AuditEntry.objects.count()
    manager = client_for(staff_by_role["manager"])
    response = upload(manager, catalogue.tea.pk, data, "picture.png", HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert response.context["image_form"].errors == {"image": [message]}
    assert message in response.content.decode()
    assert ProductImage.objects.count() == 0
    assert stored_files() == []
    assert AuditEntry.objects.count() == before
    # without htmx: the whole product page, 400, with the message
    page = upload(manager, catalogue.tea.pk, data, "picture.png")
    assert page.status_code == 400
    assert "<html" in page.content.decode()
    assert ProductImage.objects.count() == 0


def test_the_size_limit(catalogue, staff_by_role, client_for, settings):
    settings.CATALOGUE_IMAGE_MAX_BYTES = 128 * 1024
    manager = client_for(staff_by_role["manager"])
    response = upload(manager, catalogue.tea.pk, png_bytes() + b"\0" * 140_000, "a.png")
    assert response.status_code == 400
    assert response.context["image_form"].errors == {
        "image": ["The image is larger than 0.125 MB."]
    }
    # a request far above the limit is refused before its body is read
    big = upload(manager, catalogue.tea.pk, b"\0" * 300_000, "b.png", HTTP_HX_REQUEST="true")
    assert big.status_code == 400
    assert "The image is larger than" in big.content.decode()
    csrf_client = Client(enforce_csrf_checks=True)  # refused for its size, before CSRF
    csrf_client.force_login(staff_by_role["manager"])
    assert upload(csrf_client, catalogue.tea.pk, b"\0" * 300_000, "c.png").status_code == 400
    assert ProductImage.objects.count() == 0
    assert stored_files() == []


def test_only_catalogue_managers_upload_and_csrf_is_enforced(catalogue, staff_by_role, client_for):
    for role in ("agent", "sales", "marketing", "analyst"):
        response = upload(client_for(staff_by_role[role]), catalogue.tea.pk, png_bytes(), "a.png")
        assert response.status_code == 403, role
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(staff_by_role["manager"])
    assert upload(csrf_client, catalogue.tea.pk, png_bytes(), "a.png").status_code == 403
    assert ProductImage.objects.count() == 0
    assert stored_files() == []


def test_serving_needs_catalogue_view(catalogue, staff_by_role, client_for):
    upload(client_for(staff_by_role["manager"]), catalogue.tea.pk, png_bytes(), "a.png")
    image = ProductImage.objects.get()
    assert (
        client_for(staff_by_role["analyst"]).get(f"/catalogue/images/{image.pk}/").status_code
        == 403
    )
    anonymous = client_for(None).get(f"/catalogue/images/{image.pk}/")
    assert anonymous.status_code == 302
    assert client_for(staff_by_role["agent"]).get("/catalogue/images/999999/").status_code == 404


def test_removing_an_image_deletes_its_file_after_commit(
    catalogue, staff_by_role, client_for, django_capture_on_commit_callbacks
):
    manager = client_for(staff_by_role["manager"])
    upload(manager, catalogue.tea.pk, png_bytes(), "a.png")
    upload(manager, catalogue.tea.pk, png_bytes(color=(0, 0, 0, 0)), "b.png")
    first, second = ProductImage.objects.order_by("position")
    assert (first.position, second.position) == (0, 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(f"/catalogue/images/{first.pk}/delete/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert list(ProductImage.objects.values_list("pk", flat=True)) == [second.pk]
    assert [p.name for p in stored_files()] == [Path(second.file.name).name]
    assert f'data-image-id="{second.pk}"' in response.content.decode()
