"""URLs of the sales pages, included in heartline.web.urls under the "web" namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from heartline.web.views.sales import board, dashboard, deals, imports, pipelines

urlpatterns: list[URLPattern] = [
    path("sales/dashboard/", dashboard.dashboard, name="sales_dashboard"),
    path("sales/dashboard/deals/", dashboard.drilldown, name="sales_drilldown"),
    path("deals/", deals.deal_list, name="deals"),
    path("deals/new/", deals.deal_create, name="deal_create"),
    path("deals/import/", imports.import_deals, name="deal_import"),
    path("deals/board/", board.board_first, name="deal_board_first"),
    path("deals/board/<int:pipeline_id>/", board.board, name="deal_board"),
    path("deals/board/<int:pipeline_id>/columns/", board.board_columns, name="deal_board_columns"),
    path("deals/board/stages/<int:stage_id>/more/", board.column_more, name="deal_board_more"),
    path("deals/pipelines/", pipelines.pipeline_list, name="pipelines"),
    path("deals/pipelines/<int:pipeline_id>/", pipelines.pipeline_edit, name="pipeline_edit"),
    path("deals/<int:deal_id>/", deals.deal_detail, name="deal_detail"),
    path("deals/<int:deal_id>/edit/", deals.deal_edit, name="deal_edit"),
    path("deals/<int:deal_id>/move/", deals.deal_move, name="deal_move"),
]
