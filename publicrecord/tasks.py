import logging

from celery import shared_task

from .sync import sync

logger = logging.getLogger(__name__)


@shared_task
def sync_public_record():
    """Beat starts this every PUBLIC_RECORD_SYNC_SECONDS. Each source goes on from its own cursor and every
    document is applied once, so a run that is lost, doubled or killed is harmless: the next one catches up."""
    logger.info("Public record: %s", sync())
