import logging


class OneLineForbidden(logging.Filter):
    """An ordinary 403 (a coordinator opening another ministry's item) is logged in one line, without the
    traceback Django attaches to it: it is a refusal, not an error."""

    def filter(self, record):
        if getattr(record, "status_code", None) == 403:
            record.exc_info = record.exc_text = None
        return True
