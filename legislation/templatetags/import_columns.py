from django import template

from ..resources import resource_for

register = template.Library()


@register.filter
def column_label(column, opts):
    """The meaning of an import file's column `column` for the model of `opts`, in the user's language."""
    return resource_for(opts.model).column_label(column)
