"""URLs of the catalogue pages, included in heartline.web.urls under the "web" namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from heartline.web.views.catalogue import categories, images, price_check, price_lists, products

urlpatterns: list[URLPattern] = [
    path("catalogue/", products.product_list, name="catalogue"),
    path("catalogue/products/new/", products.product_create, name="catalogue_product_create"),
    path("catalogue/products/<int:product_id>/", products.product_detail, name="catalogue_product"),
    path(
        "catalogue/products/<int:product_id>/save/",
        products.product_save,
        name="catalogue_product_save",
    ),
    path(
        "catalogue/products/<int:product_id>/delete/",
        products.product_delete,
        name="catalogue_product_delete",
    ),
    path(
        "catalogue/products/<int:product_id>/prices/",
        products.product_price_set,
        name="catalogue_product_price",
    ),
    path(
        "catalogue/products/<int:product_id>/images/",
        images.image_upload,
        name="catalogue_image_upload",
    ),
    path("catalogue/images/<int:image_id>/", images.image_serve, name="catalogue_image"),
    path(
        "catalogue/images/<int:image_id>/delete/",
        images.image_delete,
        name="catalogue_image_delete",
    ),
    path("catalogue/categories/", categories.category_list, name="catalogue_categories"),
    path(
        "catalogue/categories/new/",
        categories.category_create,
        name="catalogue_category_create",
    ),
    path(
        "catalogue/categories/<int:category_id>/save/",
        categories.category_save,
        name="catalogue_category_save",
    ),
    path(
        "catalogue/categories/<int:category_id>/delete/",
        categories.category_delete,
        name="catalogue_category_delete",
    ),
    path("catalogue/price-lists/", price_lists.price_list_list, name="catalogue_price_lists"),
    path(
        "catalogue/price-lists/new/",
        price_lists.price_list_create,
        name="catalogue_price_list_create",
    ),
    path(
        "catalogue/price-lists/<int:price_list_id>/",
        price_lists.price_list_detail,
        name="catalogue_price_list",
    ),
    path(
        "catalogue/price-lists/<int:price_list_id>/save/",
        price_lists.price_list_save,
        name="catalogue_price_list_save",
    ),
    path(
        "catalogue/price-lists/<int:price_list_id>/items/",
        price_lists.item_set,
        name="catalogue_item_set",
    ),
    path(
        "catalogue/price-lists/<int:price_list_id>/items/<int:item_id>/delete/",
        price_lists.item_remove,
        name="catalogue_item_remove",
    ),
    path("catalogue/price-check/", price_check.price_check, name="catalogue_price_check"),
]
