from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class Select(forms.Select):
    """A <select> drawn in Python rather than from Django's widget templates.

    The board, the register and the overview draw six selects of the same filters
    on every view, and the templates (one per option) took longer than the cards.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], " selected" if option["selected"] else "", option["label"])
                for _group, group_options, _index in widget["optgroups"]
                for option in group_options
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), options)
