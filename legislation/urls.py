from django.urls import path

from . import views

urlpatterns = [
    path("", views.board, name="board"),
    path("board/<str:stage>/", views.board_column, name="board-column"),
    path("register/", views.bill_list, name="bill-list"),
    path("register/export.csv", views.register_csv, name="register-csv"),
    path("register/<str:key>/", views.bill_detail, name="bill-detail"),
    path("register/<str:key>/move/", views.bill_move, name="bill-move"),
    path("register/<str:key>/flag/", views.bill_flag, name="bill-flag"),
    path("register/<str:key>/milestones/", views.milestone_add, name="milestone-add"),
    path("milestones/<int:pk>/", views.milestone_edit, name="milestone-edit"),
]
