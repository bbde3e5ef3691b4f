import random

from services.kit.references import ALPHABET, is_valid, new_reference, normalise


def test_new_references_are_valid_and_readable():
    rng = random.Random(7)
    for _ in range(500):
        ref = new_reference("MB", choice=rng.choice)
        assert is_valid(ref), ref
        assert ref.startswith("MB-") and len(ref) == 10
        assert not set(ref[3:7]) - set(ALPHABET)


def test_a_single_mistyped_character_is_caught():
    ref = new_reference("MB", choice=random.Random(1).choice)
    for i, ch in enumerate(ref):
        if ch == "-":
            continue
        pool = "0123456789" if i >= 8 else ALPHABET
        for other in pool:
            if other != ch:
                assert not is_valid(ref[:i] + other + ref[i + 1:]), (ref, i, other)


def test_normalise_accepts_what_people_type():
    assert normalise(" mb-7k3q-92 ") == "MB-7K3Q-92"
    assert normalise("mb7k3q92") == "MB-7K3Q-92"
    assert normalise("MB 7K3Q 92") == "MB-7K3Q-92"
    assert normalise("MB-7K3Q") is None
    assert normalise(None) is None


def test_codes_are_grouped_and_read_back_however_typed():
    from services.kit.references import code_from_digest, new_code, normalise_code
    code = new_code()
    assert len(code) == 14 and code.count("-") == 2
    assert set(code.replace("-", "")) <= set(ALPHABET)
    assert normalise_code(code.lower().replace("-", " ")) == code
    assert code_from_digest(bytes(range(32))) == code_from_digest(bytes(range(32)))
    assert code_from_digest(bytes(range(32))) != code_from_digest(bytes(range(1, 33)))
