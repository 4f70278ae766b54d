from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


def option_tags(options):
    """The <option>s of a <select>, from (value, label, selected) triples."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if selected else "", label) for value, label, selected in options),
    )


class Select(forms.Select):
    """A <select> drawn in Python rather than from Django's widget templates.

    The board, the register and the overview draw six selects of the same filters
    on every view, and the templates (one per option) took longer than the cards.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = option_tags(
            (option["value"], option["label"], option["selected"])
            for _group, group_options, _index in widget["optgroups"]
            for option in group_options
        )
        return format_html('<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), options)
