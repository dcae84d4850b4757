"""URLs of the orders pages, included in heartline.web.urls under the "web" namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from heartline.web.views.orders import orders, public, quotes

urlpatterns: list[URLPattern] = [
    path("quotes/", quotes.quote_list, name="quotes"),
    path("quotes/from-deal/<int:deal_id>/", quotes.quote_from_deal, name="quote_from_deal"),
    path("quotes/for-deal/<int:deal_id>/", quotes.deal_quotes, name="deal_quotes"),
    path("quotes/answer/<str:token>/", public.quote_answer, name="quote_answer"),
    path("quotes/<int:quote_id>/", quotes.quote_edit, name="quote_edit"),
    path("quotes/<int:quote_id>/totals/", quotes.quote_totals, name="quote_totals"),
    path("quotes/<int:quote_id>/document/", quotes.quote_document, name="quote_document"),
    path("quotes/<int:quote_id>/send/", quotes.quote_send, name="quote_send"),
    path("quotes/<int:quote_id>/answer/", quotes.quote_mark, name="quote_mark"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/<int:order_id>/", orders.order_detail, name="order_detail"),
    path("orders/<int:order_id>/status/", orders.order_status, name="order_status"),
    path("customers/<int:customer_id>/orders/", orders.customer_orders, name="customer_orders"),
]
