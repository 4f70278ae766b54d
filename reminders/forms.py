from django import forms

from .models import ReminderPreference


class ReminderPreferenceForm(forms.ModelForm):
    class Meta:
        model = ReminderPreference
        fields = ["mode"]
        widgets = {"mode": forms.RadioSelect}
