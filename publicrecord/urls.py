from django.urls import path

from . import views

urlpatterns = [
    path("openbare-bron/voorstellen/", views.proposal_list, name="proposal-list"),
    path("openbare-bron/voorstellen/<int:pk>/accept/", views.proposal_accept, name="proposal-accept"),
    path("openbare-bron/voorstellen/<int:pk>/dismiss/", views.proposal_dismiss, name="proposal-dismiss"),
]
