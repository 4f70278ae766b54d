import logging

from celery import shared_task

from .sweep import send_due_reminders

logger = logging.getLogger(__name__)


@shared_task
def send_reminders():
    """Beat starts this every few minutes. The sweep reads what is due from the database,
    so a run that is lost, doubled or killed is harmless: the next one catches up."""
    logger.info("Reminders: %s", send_due_reminders())
