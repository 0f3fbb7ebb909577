"""Keep a live worker's unacknowledged messages from being handed to another worker.

With the Redis broker, a message stays in kombu's "unacked" set from delivery until the
worker acknowledges it (we acknowledge late: after the task ran). Any worker's periodic
sweep puts back on the queue every unacked message older than the visibility timeout:
that is how the messages of a worker that died are recovered. A short visibility timeout
therefore recovers them quickly, but on its own would also re-deliver messages that a
*live* worker still holds (a task running longer than the timeout, or waiting for its
countdown/ETA), and the task would run twice.

This consumer step closes that gap, as SQS's "change message visibility" does: every
`interval` seconds the worker's main process stamps the current time on each message it
still holds (`ZADD ... XX`: only entries still present, so an acknowledged message is
never resurrected). Only a worker that is gone stops stamping, and only its messages come
back, one visibility timeout later. docs/operations.md ("Lost tasks") has the numbers.
"""

from __future__ import annotations

import logging
import time

from celery import bootsteps
from celery.worker.consumer import Consumer as CeleryConsumer

logger = logging.getLogger(__name__)


def held_delivery_tags(consumer) -> list[str]:
    """Delivery tags of the messages this consumer holds unacknowledged (running,
    reserved, or waiting for an ETA): kombu's QoS keeps them until they are acked."""
    task_consumer = getattr(consumer, "task_consumer", None)
    channel = getattr(task_consumer, "channel", None)
    qos = getattr(channel, "_qos", None)
    delivered = getattr(qos, "_delivered", None)
    if not delivered:
        return []
    for _ in range(3):  # the event loop may add or ack one while we copy
        try:
            return list(delivered)
        except RuntimeError:
            continue
    return []


def refresh_unacked(consumer) -> int:
    """Stamp now on every held message in the broker's unacked index; returns how many
    were refreshed. Broker errors are left to the consumer's own reconnect logic."""
    tags = held_delivery_tags(consumer)
    if not tags:
        return 0
    channel = consumer.task_consumer.channel
    index_key = getattr(channel, "unacked_index_key", None)
    if index_key is None:  # not the Redis transport: nothing to keep alive
        return 0
    now = time.time()
    try:
        # A pooled connection of its own: the channel's `client` is busy with a BRPOP.
        with channel.conn_or_acquire() as client:
            return int(client.zadd(index_key, dict.fromkeys(tags, now), xx=True, ch=True))
    except Exception as exc:  # the broker is away: the consumer reconnects on its own
        logger.debug("could not refresh unacked messages: %r", exc)
        return 0


class UnackedKeepAlive(bootsteps.StartStopStep):
    """Consumer step: runs `refresh_unacked` on the worker's timer (its event loop)."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, c, **kwargs):
        self.entry = None
        super().__init__(c, **kwargs)

    def start(self, c) -> None:
        options = c.app.conf.broker_transport_options or {}
        timeout = float(options.get("visibility_timeout", 3600))
        interval = max(1.0, min(timeout / 4, 60.0))
        self.entry = c.timer.call_repeatedly(interval, refresh_unacked, (c,), priority=5)

    def stop(self, c) -> None:
        if self.entry is not None:
            self.entry.cancel()
            self.entry = None

    shutdown = stop


class Consumer(CeleryConsumer):
    """Celery's consumer, surviving a lost Redis connection (the `worker_consumer` setting).

    Celery 5.7.0 handles a lost broker connection by collecting the connection and then
    closing it. Collecting drops the Redis transport's client; closing then closes the
    channel, whose QoS tries to put the unacknowledged messages back through that client
    ("Restoring 1 unacknowledged message(s)") and fails with AttributeError ("'NoneType'
    object has no attribute 'hostname'"), which Celery does not expect there: the worker
    exits for good. Here that close is allowed to fail: the consumer goes on to reconnect,
    and the messages it could not put back are returned by the visibility-timeout sweep
    (a minute, see UnackedKeepAlive) instead of being lost with the worker.
    """

    def on_connection_error_after_connected(self, exc):
        connection = self.connection
        if connection is not None:
            close = connection.close

            def close_collected_connection() -> None:
                try:
                    close()
                except AttributeError as error:
                    logger.warning("closing the lost broker connection failed (%r); its "
                                   "unacknowledged messages return after the visibility "
                                   "timeout", error)

            connection.close = connection.release = close_collected_connection
        return super().on_connection_error_after_connected(exc)
