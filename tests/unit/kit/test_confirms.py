from services.kit.outbox import Confirms


def batch(confirms, n):
    confirms.start_batch()
    for _ in range(n):
        confirms.published()


def test_out_of_order_acks_leave_the_unanswered_tag_pending():
    c = Confirms()
    batch(c, 3)
    c.ack(3)
    c.ack(1)
    assert c.waiting and c.pending == {2}
    c.ack(2)
    assert not c.waiting and not c.refused


def test_multiple_answers_every_tag_up_to_it():
    c = Confirms()
    batch(c, 4)
    c.ack(3, multiple=True)
    assert c.pending == {4}


def test_a_nack_anywhere_in_the_batch_refuses_it_even_after_later_acks():
    c = Confirms()
    batch(c, 3)
    c.ack(3)
    c.nack(2)
    c.ack(1)
    assert not c.waiting
    assert c.refused


def test_tags_keep_counting_across_batches_and_refusal_resets():
    c = Confirms()
    batch(c, 2)
    c.nack(2, multiple=True)
    assert c.refused
    batch(c, 2)
    assert c.pending == {3, 4} and not c.refused

