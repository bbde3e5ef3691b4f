"""Short references a resident can read out on the phone: MB-7K3Q-92.

Four characters from an alphabet without look-alikes (no 0/O, 1/I/L), then
two check digits (ISO 7064 mod 97-10, as IBANs use), so a mistyped
reference is refused before anything is looked up.
"""
import hashlib
import hmac
import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PATTERN = re.compile(r"^([A-Z]{2})-([2-9A-HJKMNP-Z]{4})-(\d{2})$")


def _check_digits(prefix, body):
    digits = "".join(str(int(c, 36)) for c in prefix + body)
    return f"{98 - (int(digits + '00') % 97):02d}"


def new_reference(prefix, choice=secrets.choice):
    """A new reference under a service's two-letter prefix (each service's
    contract names its own)."""
    body = "".join(choice(ALPHABET) for _ in range(4))
    return f"{prefix}-{body}-{_check_digits(prefix, body)}"


def normalise(text):
    """Upper case, no spaces; dashes put back where they belong."""
    compact = re.sub(r"[\s-]", "", (text or "").upper())
    if len(compact) != 8:
        return None
    return f"{compact[:2]}-{compact[2:6]}-{compact[6:]}"


def is_valid(reference):
    match = PATTERN.match(reference or "")
    return bool(match) and _check_digits(match[1], match[2]) == match[3]


def new_code(groups=3, choice=secrets.choice):
    """A secret a person can write down and type back: XXXX-XXXX-XXXX, from
    the same look-alike-free alphabet (about 59 bits for three groups)."""
    return format_code("".join(choice(ALPHABET) for _ in range(4 * groups)))


def code_from_digest(digest, groups=3):
    """A code derived from a keyed digest, so the same thing gets the same code."""
    return format_code("".join(ALPHABET[b % len(ALPHABET)] for b in digest[:4 * groups]))


def keyed_code(key, purpose, an_id):
    """The code for one thing (`purpose`, bytes such as b"case:", and a UUID),
    derived with a secret key: the same thing gets the same code again, and
    nobody without the key can work it out."""
    return code_from_digest(hmac.new(key, purpose + an_id.bytes, hashlib.sha256).digest())


def code_sha256(code):
    """What is kept in place of a code: the SHA-256 of its normal form."""
    return hashlib.sha256(normalise_code(code).encode("utf-8")).digest()


def code_matches(code, stored_sha256):
    """Whether `code`, as typed, is the one whose SHA-256 is stored. A record
    that is not there (None) takes the same comparison, so a wrong code and
    an unknown reference cannot be told apart."""
    stored = bytes(stored_sha256) if stored_sha256 is not None else b"\0" * 32
    same = hmac.compare_digest(code_sha256(code), stored)
    return same and stored_sha256 is not None


def format_code(compact):
    return "-".join(compact[i:i + 4] for i in range(0, len(compact), 4))


def normalise_code(text):
    """Upper case, grouped in fours, whatever spacing and dashes were typed."""
    return format_code(re.sub(r"[\s-]", "", (text or "").upper()))
