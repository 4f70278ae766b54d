from django.urls import path

from . import views

urlpatterns = [
    path("overzicht/", views.overview, name="overview"),
    path("overzicht/overzicht.xlsx", views.overview_xlsx, name="overview-xlsx"),
]
