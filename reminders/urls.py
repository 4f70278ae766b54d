from django.urls import path

from . import views

urlpatterns = [
    path("instellingen/herinneringen/", views.reminder_settings, name="reminder-settings"),
    path("instellingen/herinneringen/agenda-vernieuwen/", views.renew_calendar, name="reminder-calendar-renew"),
    path("agenda/<slug:token>.ics", views.calendar_feed, name="reminder-calendar"),
]
