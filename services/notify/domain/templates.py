"""Message templates written the way GOV.UK Notify writes them, and rendering
them so that no message ever goes out with a hole in it.

A template is one wording of one message for one channel. Its text uses
Notify's `((placeholder))` fields. Email bodies use Notify's formatting (a line
starting `# ` is a heading, `* ` or `- ` a bullet, `^ ` an inset, `---` a
horizontal rule; URLs become links); text messages are plain text.
`((name??text))` is a conditional placeholder: `text` shows only when the value
of `name` is yes or true. Its text cannot hold placeholders (Notify's rule).

Templates are data: services/notify/templates holds one YAML file per template
id with every version of it. A sent message records the id and version it was
rendered from, so its exact wording can always be found again; a change of
wording is a new version, never an edit of an old one.
"""
import dataclasses
import math
import re
from pathlib import Path

import yaml

from services.council.contact import CHANNELS

DEFAULT_DIRECTORY = Path(__file__).resolve().parent.parent / "templates"

# Notify's own pattern: anything but a bracket between (( and )).
_PLACEHOLDER = re.compile(r"\(\(([^()]*)\)\)")
# Letters, digits and underscores, with single spaces between words ("first name").
_NAME = re.compile(r"^[A-Za-z0-9_]+(?: [A-Za-z0-9_]+)*$")
_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_EVENT = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_VARIANT = re.compile(r"^[a-z][a-z0-9_]*$")
# The values Notify takes as yes for a conditional placeholder.
YES = frozenset({"yes", "y", "true", "t", "1", "include", "show"})

# GSM 03.38: the basic set is one character each; the extension table is sent
# as an escape and a character, so each takes the room of two.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = frozenset("\f^{}\\[~]|€")
SMS_SINGLE, SMS_PART = 160, 153            # GSM: one message, each part of a longer one
SMS_SINGLE_UCS2, SMS_PART_UCS2 = 70, 67    # any other character: UCS-2


class TemplateError(Exception):
    """A template definition is wrong: found when templates are loaded, never
    when a message is about to be sent."""


class UnknownTemplate(LookupError):
    """No template with that id, version, channel or event."""

    def __str__(self):
        return self.args[0] if self.args else ""


class MissingPlaceholders(Exception):
    """Values the template needs were not given: the message is not sent."""

    def __init__(self, template_id, version, names):
        self.template_id = template_id
        self.version = version
        self.names = tuple(names)
        super().__init__(f"Cannot send {template_id} version {version}: no value for "
                         f"{', '.join(self.names)}")


@dataclasses.dataclass(frozen=True)
class Rendered:
    subject: str | None  # email only
    body: str


@dataclasses.dataclass(frozen=True)
class Placeholder:
    name: str
    conditional_text: str | None = None  # the text of ((name??text))

    @property
    def conditional(self):
        return self.conditional_text is not None


def _parse(text, where):
    """The placeholders in `text`, in order, or TemplateError."""
    found = []
    for match in _PLACEHOLDER.finditer(text):
        name, question, shown = match.group(1).partition("??")
        if not _NAME.match(name):
            raise TemplateError(f"{where}: (({match.group(1)})) is not a placeholder name: use "
                                "letters, digits and underscores, with single spaces "
                                "between words")
        if question and not shown.strip():
            raise TemplateError(f"{where}: (({match.group(1)})) has no text to show")
        found.append(Placeholder(name, shown if question else None))
    if "((" in _PLACEHOLDER.sub("", text):
        raise TemplateError(f"{where}: a (( is not closed by )); a placeholder looks like "
                            "((name)) and cannot hold brackets or another placeholder")
    return found


def _notify_key(name):
    # Notify matches names ignoring case, spaces, underscores and hyphens.
    return name.lower().replace(" ", "").replace("_", "").replace("-", "")


def _one_line(value):
    """A value as text on one line: a value can never start a heading, bullet
    or inset of its own, and extra spacing from upstream data goes."""
    return " ".join(str(value).split())


def _tidy(text):
    # Hidden conditional text leaves doubled spaces and empty paragraphs.
    lines, out = [" ".join(line.split()) for line in text.splitlines()], []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def _shown(value):
    return str(value).strip().lower() in YES  # True is "true"


@dataclasses.dataclass(frozen=True)
class Template:
    id: str
    version: int
    channel: str
    subject: str | None
    body: str
    _found: tuple = dataclasses.field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self):
        where = f"{self.id} version {self.version} {self.channel}"
        if self.channel not in CHANNELS:
            raise TemplateError(f"{where}: the channel must be email or sms")
        if self.channel == "email":
            if not isinstance(self.subject, str) or not self.subject.strip():
                raise TemplateError(f"{where}: an email needs a subject")
            if len(self.subject.strip().splitlines()) > 1:
                raise TemplateError(f"{where}: the subject must be one line")
        elif self.subject is not None:
            raise TemplateError(f"{where}: a text message has no subject")
        if not isinstance(self.body, str) or not self.body.strip():
            raise TemplateError(f"{where}: the body must be some text")
        found = _parse(self.subject or "", f"{where} subject") + _parse(self.body, f"{where} body")
        spellings = {}
        for p in found:
            first = spellings.setdefault(_notify_key(p.name), p.name)
            if first != p.name:
                raise TemplateError(f"{where}: (({first})) and (({p.name})) are one placeholder "
                                    "to Notify; spell it one way")
        object.__setattr__(self, "_found", tuple(found))

    @property
    def placeholders(self):
        """Every placeholder name, conditional ones included, in the order
        they first appear (subject, then body)."""
        return tuple(dict.fromkeys(p.name for p in self._found))

    @property
    def conditional_placeholders(self):
        """The names only ever used as ((name??text)): yes or no values."""
        plain = {p.name for p in self._found if not p.conditional}
        return tuple(n for n in self.placeholders if n not in plain)

    def missing(self, values):
        """The names `values` has no usable value for. A plain placeholder
        needs some text; a conditional one needs a value, and anything but
        yes or true (no, false, empty) hides its text."""
        conditional = set(self.conditional_placeholders)
        out = []
        for name in self.placeholders:
            value = values.get(name)
            if value is None or (name not in conditional and not _one_line(value)):
                out.append(name)
        return out

    def render(self, values):
        """The message, or MissingPlaceholders naming every missing value.
        Values are str()-ed and put on one line; values not used are ignored.
        Replacing is one pass over the template, so a value that looks like a
        placeholder stays as it is."""
        values = values or {}
        missing = self.missing(values)
        if missing:
            raise MissingPlaceholders(self.id, self.version, missing)

        def fill(match):
            name, question, shown = match.group(1).partition("??")
            if question:
                return shown if _shown(values[name]) else ""
            return _one_line(values[name])

        subject = None
        if self.subject is not None:
            subject = " ".join(_PLACEHOLDER.sub(fill, self.subject).split())
        return Rendered(subject, _tidy(_PLACEHOLDER.sub(fill, self.body)))


# --- Text message length ----------------------------------------------------

def non_gsm_characters(text):
    """Characters that make a text message go as UCS-2 (70 to a message)."""
    return set(text) - GSM_BASIC - GSM_EXTENDED


def sms_fragments(body):
    """How many text messages `body` is charged as, counted as GOV.UK Notify
    does: 160 characters for one message and 153 for each part of a longer
    one (a GSM extension character such as € or [ takes two); 70 and 67 if any
    character is outside GSM. Count the text as sent, with any sender name
    Notify puts in front of it."""
    if not body:
        return 0
    if non_gsm_characters(body):
        units = len(body.encode("utf-16-le")) // 2  # an emoji is two
        return 1 if units <= SMS_SINGLE_UCS2 else math.ceil(units / SMS_PART_UCS2)
    septets = len(body) + sum(c in GSM_EXTENDED for c in body)
    return 1 if septets <= SMS_SINGLE else math.ceil(septets / SMS_PART)


# --- Loading the templates ---------------------------------------------------

_FILE_KEYS = {"id", "event", "events", "variant", "versions"}
_VERSION_KEYS = {"version"} | set(CHANNELS)
_CHANNEL_KEYS = {"email": {"subject", "body"}, "sms": {"body"}}


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _unknown(data, allowed, where):
    unknown = set(data) - allowed
    if unknown:
        raise TemplateError(f"{where}: unknown keys: {', '.join(sorted(map(str, unknown)))}")


@dataclasses.dataclass(frozen=True)
class TemplateFile:
    """One file: a template id, the events it is sent for, and its versions,
    each a mapping of channel to Template (None where it has no such
    channel)."""
    id: str
    events: tuple
    variant: str | None
    versions: tuple  # ((version, {"email": Template | None, "sms": ...}), ...) ascending


def parse_file(data, source="<data>"):
    """One template file's data, checked, or TemplateError saying what is
    wrong and where."""
    if not isinstance(data, dict):
        raise TemplateError(f"{source}: a template file must be a mapping with id and versions")
    tid = data.get("id")
    if not isinstance(tid, str) or not _ID.match(tid):
        raise TemplateError(f"{source}: id must be lower-case words joined by hyphens, "
                            f"not {tid!r}")
    where = f"{source} ({tid})"
    _unknown(data, _FILE_KEYS, where)

    if "event" in data and "events" in data:
        raise TemplateError(f"{where}: give event or events, not both")
    events = data.get("events", [data["event"]] if "event" in data else [])
    if not isinstance(events, list) or ("events" in data and not events):
        raise TemplateError(f"{where}: events must be a non-empty list")
    for event in events:
        if not isinstance(event, str) or not _EVENT.match(event):
            raise TemplateError(f"{where}: {event!r} is not an event type such as ReportFiled")
    if len(set(events)) != len(events):
        raise TemplateError(f"{where}: an event is listed twice")
    variant = data.get("variant")
    if variant is not None:
        if not isinstance(variant, str) or not _VARIANT.match(variant):
            raise TemplateError(f"{where}: variant must be lower-case letters, digits and "
                                f"underscores, not {variant!r}")
        if not events:
            raise TemplateError(f"{where}: a variant is a variant of an event; name the event")

    raw_versions = data.get("versions")
    if not isinstance(raw_versions, list) or not raw_versions:
        raise TemplateError(f"{where}: versions must be a non-empty list")
    versions = {}
    for n, raw in enumerate(raw_versions, 1):
        if not isinstance(raw, dict):
            raise TemplateError(f"{where}: version entry {n} must be a mapping")
        number = raw.get("version")
        if not _is_int(number) or number < 1:
            raise TemplateError(f"{where}: version entry {n}: version must be a positive whole "
                                f"number, not {number!r}")
        if number in versions:
            raise TemplateError(f"{where}: version {number} is given twice; each version must "
                                "be unique")
        versions[number] = _version(raw, tid, number, f"{where} version {number}", source)
    return TemplateFile(tid, tuple(events), variant, tuple(sorted(versions.items())))


def _version(raw, tid, number, where, source):
    _unknown(raw, _VERSION_KEYS, where)
    channels = {}
    for channel in CHANNELS:
        # Both channels are named, so leaving one out is always a decision.
        if channel not in raw:
            raise TemplateError(f"{where}: no {channel}: give one, or write `{channel}: null` "
                                f"if this message is never sent by {channel}")
        spec = raw[channel]
        if spec is None:
            channels[channel] = None
            continue
        if not isinstance(spec, dict):
            raise TemplateError(f"{where}: {channel} must be a mapping or null")
        _unknown(spec, _CHANNEL_KEYS[channel], f"{where} {channel}")
        try:
            channels[channel] = Template(tid, number, channel, spec.get("subject"),
                                         spec.get("body"))
        except TemplateError as e:
            raise TemplateError(f"{source}: {e}") from None
    if not any(channels.values()):
        raise TemplateError(f"{where}: has neither email nor sms")
    return channels


def load(path):
    """One template file. Its name must be its id, so it can be found."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise TemplateError(f"{path.name}: not valid YAML: {e}") from None
    parsed = parse_file(data, path.name)
    if path.stem != parsed.id:
        raise TemplateError(f"{path.name}: holds {parsed.id}; name the file {parsed.id}.yaml")
    return parsed


class TemplateSet:
    """Every template, looked up by id, version and channel, or by event.

    An event is sent with one template id. Where one event needs different
    messages, each is a variant: ReportResolved has `collected` and
    `not_collected` (by the report's outcome); CaseTriaged has `safe` for
    people at risk of abuse. The caller picks the variant; `variants` lists
    them. Several events may share a template id by listing them in `events`.
    """

    def __init__(self, files):
        self._files = {}
        self._events = {}
        for f in files:
            if f.id in self._files:
                raise TemplateError(f"template id {f.id} is defined twice; ids must be unique")
            self._files[f.id] = f
            for event in f.events:
                key = (event, f.variant)
                if key in self._events:
                    what = f"{event} variant {f.variant}" if f.variant else event
                    raise TemplateError(f"{what} is sent with both {self._events[key]} and "
                                        f"{f.id}; choose one")
                self._events[key] = f.id

    @classmethod
    def load(cls, directory=DEFAULT_DIRECTORY):
        files = [load(path) for path in sorted(Path(directory).glob("*.yaml"))]
        if not files:
            raise TemplateError(f"no templates in {directory}")
        return cls(files)

    @property
    def ids(self):
        return tuple(sorted(self._files))

    @property
    def event_types(self):
        return tuple(sorted({event for event, _ in self._events}))

    def _file(self, template_id):
        try:
            return self._files[template_id]
        except (KeyError, TypeError):
            raise UnknownTemplate(f"There is no template {template_id!r}") from None

    def versions(self, template_id):
        return tuple(n for n, _ in self._file(template_id).versions)

    def channels(self, template_id, version=None):
        """The channels a version (the latest by default) can be sent by."""
        return tuple(c for c, t in self._version(template_id, version).items() if t)

    def _version(self, template_id, version):
        f = self._file(template_id)
        if version is None:
            return f.versions[-1][1]
        for number, channels in f.versions:
            if number == version:
                return channels
        raise UnknownTemplate(f"{template_id} has no version {version!r}")

    def get(self, template_id, version, channel):
        if channel not in CHANNELS:
            raise UnknownTemplate(f"{channel!r} is not a channel; use email or sms")
        template = self._version(template_id, version)[channel]
        if template is None:
            raise UnknownTemplate(f"{template_id} version {version} has no {channel} template")
        return template

    def latest(self, template_id, channel):
        """The newest version's template for `channel`. If the newest version
        has none, there is none: an older wording is never brought back."""
        return self.get(template_id, self.versions(template_id)[-1], channel)

    def variants(self, event_type):
        """The variants of an event's template; None is the plain one."""
        return tuple(sorted((v for e, v in self._events if e == event_type),
                            key=lambda v: (v is not None, v or "")))

    def for_event(self, event_type, variant=None):
        try:
            return self._events[(event_type, variant)]
        except (KeyError, TypeError):
            pass
        known = self.variants(event_type)
        if not known:
            raise UnknownTemplate(f"No template is sent for {event_type!r}")
        names = ", ".join("no variant" if v is None else v for v in known)
        raise UnknownTemplate(f"{event_type} has no template for variant {variant!r}; "
                              f"it has: {names}")
