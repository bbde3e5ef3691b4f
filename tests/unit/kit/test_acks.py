def test_an_ack_on_a_reset_connection_does_not_raise():
    """A worker acking while the broker restarts must not kill its container."""
    from services.kit.messaging import ParkingQueueConsumer

    class Channel:
        connection = object()

        def basic_ack(self, *args, **kwargs):
            raise ConnectionResetError(104, "Connection reset by peer")

        basic_reject = basic_ack

    class Message:
        channel = Channel()
        delivery_tag = 1

        def ack(self):
            self.channel.basic_ack(self.delivery_tag)

        def requeue(self):
            self.channel.basic_reject(self.delivery_tag)

    consumer = ParkingQueueConsumer()
    consumer.ack_message(Message())
    consumer.requeue_message(Message())
