import pytest

from gateway.web.errors import BadRequest
from gateway.web.idempotency import fingerprint, validate_key


def test_fingerprint_changes_with_any_part():
    base = fingerprint("POST", "/api/v1/echo", b"", b'{"message":"a"}')
    assert base == fingerprint("POST", "/api/v1/echo", b"", b'{"message":"a"}')
    assert base != fingerprint("POST", "/api/v1/echo", b"", b'{"message":"b"}')
    assert base != fingerprint("PUT", "/api/v1/echo", b"", b'{"message":"a"}')
    assert base != fingerprint("POST", "/api/v1/echo", b"x=1", b'{"message":"a"}')
    # parts are length-prefixed, so moving bytes between them is noticed
    assert fingerprint("POST", "/a", b"b", b"") != fingerprint("POST", "/a", b"", b"b")


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there"])
def test_bad_keys_are_refused(key):
    with pytest.raises(BadRequest) as info:
        validate_key(key)
    assert "Idempotency-Key" in info.value.fields


def test_good_keys_pass():
    assert validate_key("4b7c2e5e-6f7f-4a55-9d56-0a3f0a1c2b3d") == \
        "4b7c2e5e-6f7f-4a55-9d56-0a3f0a1c2b3d"


def test_a_replay_needs_the_same_resident_credentials():
    from gateway.web.idempotency import fingerprint
    base = ("POST", "/api/v1/bookings/BK-AAAA-00/cancel", b"", b"{}")
    assert fingerprint(*base, "AAAA-BBBB-CCCC\n") != fingerprint(*base, "ZZZZ-YYYY-XXXX\n")
    assert fingerprint(*base, "AAAA-BBBB-CCCC\n") == fingerprint(*base, "AAAA-BBBB-CCCC\n")
