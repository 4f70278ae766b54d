from django.urls import path, register_converter

from . import views
from .models import KEY_PATTERN


class KeyConverter:
    """A bill's key: an address with anything else in its place names no bill."""

    regex = KEY_PATTERN

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(KeyConverter, "key")

urlpatterns = [
    path("", views.board, name="board"),
    path("board/<str:stage>/", views.board_column, name="board-column"),
    path("register/", views.bill_list, name="bill-list"),
    path("register/export.csv", views.register_csv, name="register-csv"),
    path("register/<key:key>/", views.bill_detail, name="bill-detail"),
    path("register/<key:key>/move/", views.bill_move, name="bill-move"),
    path("register/<key:key>/flag/", views.bill_flag, name="bill-flag"),
    path("register/<key:key>/milestones/", views.milestone_add, name="milestone-add"),
    path("register/<key:key>/identifiers/", views.identifier_add, name="identifier-add"),
    path("register/<key:key>/identifiers/<int:pk>/remove/", views.identifier_remove, name="identifier-remove"),
    path("register/<key:key>/candidates/<int:pk>/", views.candidate_confirm, name="candidate-confirm"),
    path("milestones/<int:pk>/", views.milestone_edit, name="milestone-edit"),
    path("follow/", views.follow, name="bill-follow"),
]
