import logging

from celery import shared_task

from .delivery import send_due_webhooks

logger = logging.getLogger(__name__)


@shared_task
def send_webhooks():
    """Beat starts this every minute. Deliveries are claimed in the database, so a run that is lost,
    doubled or killed is harmless: the next one posts what is left."""
    logger.info("Webhooks: %s", send_due_webhooks())
