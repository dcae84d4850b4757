"""Product images: upload (decoded and re-encoded by the catalogue), serving, removal.

Images are served only here, to staff with ``catalogue.view``, with the stored Content-Type
(one of JPEG, PNG, WebP — never HTML), ``X-Content-Type-Options: nosniff`` and a CSP that
forbids everything a document could do. ``MEDIA_ROOT`` is never served directly.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from heartline.catalogue import images, selectors
from heartline.catalogue.models import ProductImage
from heartline.core.access import requires
from heartline.web.views.catalogue.forms import ImageForm
from heartline.web.views.catalogue.products import images_context, render_product, visible_product
from heartline.web.views.staff import attach_errors

# Room for the multipart envelope and the CSRF token around the file itself.
ENVELOPE_BYTES = 64 * 1024


def _visible_image(request: HttpRequest, image_id: int) -> ProductImage:
    try:
        return selectors.image_for_user(request.user, image_id)
    except ProductImage.DoesNotExist as exc:
        raise Http404 from exc


def _answer(request: HttpRequest, product_id: int, form: ImageForm, done: str) -> HttpResponse:
    product = visible_product(request, product_id)
    if not getattr(request, "htmx", False):
        if form.errors:
            return render_product(request, product, status=400, image_form=form)
        messages.success(request, done)
        return redirect("web:catalogue_product", product.pk)
    context = images_context(request, product, image_form=form if form.errors else None)
    return render(
        request, "catalogue/_product_images.html", context, status=400 if form.errors else 200
    )


@csrf_protect
def _upload(request: HttpRequest, product_id: int) -> HttpResponse:
    product = visible_product(request, product_id)
    form = ImageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            data = images.read_upload(form.cleaned_data["image"])
            images.product_image_add(actor=request.user, product=product, data=data)
        except ValidationError as error:
            attach_errors(form, error)
    return _answer(request, product_id, form, _("Image added."))


@csrf_exempt  # checked by _upload, once the size of the request is known to be acceptable
@requires("catalogue.manage")
@require_POST
def image_upload(request: HttpRequest, product_id: int) -> HttpResponse:
    """Refuse an oversized request before its body is read, then check CSRF and decode."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > images.max_bytes() + ENVELOPE_BYTES:
        form = ImageForm({})
        form.full_clean()
        form.errors["image"] = form.error_class(
            [_("The image is larger than %(mb)s MB.") % {"mb": images.max_megabytes()}]
        )
        return _answer(request, product_id, form, "")
    return _upload(request, product_id)


@requires("catalogue.view")
@require_GET
def image_serve(request: HttpRequest, image_id: int) -> HttpResponse:
    image = _visible_image(request, image_id)
    if image.content_type not in images.CONTENT_TYPES:
        raise Http404
    try:
        with image.file.open("rb") as handle:  # re-encoded, at most 2048 px: small
            content = handle.read()
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = HttpResponse(content, content_type=image.content_type)
    extension = str(image.file.name).rsplit(".", 1)[-1]
    response["Content-Disposition"] = f'inline; filename="product-image-{image.pk}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=86400"
    return response


@requires("catalogue.manage")
@require_POST
def image_delete(request: HttpRequest, image_id: int) -> HttpResponse:
    image = _visible_image(request, image_id)
    product_id = image.product_id
    images.product_image_remove(actor=request.user, image=image)
    return _answer(request, product_id, ImageForm(), _("Image removed."))
