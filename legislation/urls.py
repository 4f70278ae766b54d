from django.urls import path

from . import views

urlpatterns = [
    path("register/", views.bill_list, name="bill-list"),
    path("register/export.csv", views.register_csv, name="register-csv"),
    path("register/<str:key>/", views.bill_detail, name="bill-detail"),
]
