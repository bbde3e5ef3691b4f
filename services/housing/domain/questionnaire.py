"""The questionnaire engine. Questions are data (services/housing/questionnaires);
this module decides which of them are asked, given earlier answers, and what
counts as an answer to each.

Answers are JSON-native and stored exactly as `parse_answer` returns them, so
a draft can be saved, resumed and triaged without re-reading form input.
"""
import dataclasses
import datetime as dt
import re
import unicodedata
from pathlib import Path

import yaml

DEFAULT_DIRECTORY = Path(__file__).resolve().parent.parent / "questionnaires"

TYPES = ("choice", "multi_choice", "yes_no", "date", "number", "number_list", "text",
         "email", "phone")
OPERATORS = ("equals", "in", "includes", "at_least", "at_most")
YES_NO = ("yes", "no")

DEFAULT_MAX_LENGTH = 500
MAX_EMAIL_LENGTH = 254
MAX_LIST_ITEMS = 20
EARLIEST_YEAR = 1900
YEARS_AHEAD = 10

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_QUESTION_KEYS = {"id", "summary", "text", "hint", "type", "options", "when", "min", "max",
                  "max_length", "suffix", "exclusive", "not_after_today"}
_OPTION_KEYS = {"value", "label", "hint"}


class DefinitionError(Exception):
    """The questionnaire definition is wrong: found when it is loaded, never
    in front of a resident."""


class AnswerError(Exception):
    """One answer a person must change, with the message to show them."""

    def __init__(self, question_id, message):
        super().__init__(message)
        self.question_id = question_id
        self.message = message

    def __eq__(self, other):
        return (type(other) is type(self)
                and (other.question_id, other.message) == (self.question_id, self.message))

    def __hash__(self):
        return hash((self.question_id, self.message))

    def __repr__(self):
        return f"AnswerError({self.question_id!r}, {self.message!r})"


class Invalid(Exception):
    """Several answers at once, for a page or a whole submission."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.question_id}: {e.message}" for e in self.errors))

    def fields(self):
        out = {}
        for error in self.errors:
            out.setdefault(error.question_id, []).append(error.message)
        return out


@dataclasses.dataclass(frozen=True)
class Option:
    value: str
    label: str
    hint: str | None = None

    def to_dict(self):
        return {"value": self.value, "label": self.label, "hint": self.hint}


@dataclasses.dataclass(frozen=True)
class Condition:
    question: str
    operator: str
    value: object  # a tuple for `in`

    def holds(self, answer):
        if answer is None:
            return False
        if self.operator == "equals":
            return answer == self.value
        if self.operator == "in":
            return answer in self.value
        if self.operator == "includes":
            return isinstance(answer, (list, tuple)) and self.value in answer
        if isinstance(answer, bool) or not isinstance(answer, int):
            return False
        if self.operator == "at_least":
            return answer >= self.value
        return answer <= self.value

    def to_dict(self):
        value = list(self.value) if self.operator == "in" else self.value
        return {"question": self.question, self.operator: value}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Question:
    id: str
    summary: str
    text: str
    hint: str | None = None
    type: str
    options: tuple = ()
    when: tuple = ()
    min: int | None = None
    max: int | None = None
    max_length: int | None = None
    suffix: str | None = None
    exclusive: str | None = None
    not_after_today: bool = False

    @property
    def option_values(self):
        return tuple(o.value for o in self.options)

    def label(self, value):
        for option in self.options:
            if option.value == value:
                return option.label
        raise KeyError(value)

    @property
    def missing_message(self):
        return _missing_message(self)

    def to_dict(self):
        return {
            "id": self.id, "summary": self.summary, "text": self.text, "hint": self.hint,
            "type": self.type, "options": [o.to_dict() for o in self.options],
            "when": [c.to_dict() for c in self.when], "min": self.min, "max": self.max,
            "max_length": self.max_length, "suffix": self.suffix, "exclusive": self.exclusive,
            "not_after_today": self.not_after_today,
        }


def _has_answer(answers, qid):
    return answers.get(qid) not in (None, "", [], ())


@dataclasses.dataclass(frozen=True)
class Questionnaire:
    version: int
    title: str
    questions: tuple
    _by_id: dict = dataclasses.field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self):
        object.__setattr__(self, "_by_id", {q.id: q for q in self.questions})

    def question(self, qid):
        try:
            return self._by_id[qid]
        except (KeyError, TypeError):
            raise AnswerError(qid, "There is no such question") from None

    def asked(self, answers):
        """The questions to ask, in order. Conditions only look back, so one
        pass decides them all; a condition on a question that is not asked
        (or not yet answered) does not hold."""
        asked, shown = [], set()
        for q in self.questions:
            if all(c.question in shown and c.holds(answers.get(c.question)) for c in q.when):
                asked.append(q)
                shown.add(q.id)
        return asked

    def next_unanswered(self, answers):
        for q in self.asked(answers):
            if not _has_answer(answers, q.id):
                return q
        return None

    def relevant(self, answers):
        """Only the answers to questions still asked: changing an earlier
        answer can make later ones moot, and moot answers must not count."""
        return {q.id: answers[q.id] for q in self.asked(answers) if _has_answer(answers, q.id)}

    def missing(self, answers):
        return [AnswerError(q.id, q.missing_message)
                for q in self.asked(answers) if not _has_answer(answers, q.id)]

    def parse_answer(self, qid, raw, today):
        return parse(self.question(qid), raw, today)

    def validate(self, answers, today):
        """Every relevant answer re-parsed, or Invalid with every problem:
        for a whole submission, where stored drafts may predate a rule."""
        errors, clean = [], {}
        for q in self.asked(answers):
            if not _has_answer(answers, q.id):
                errors.append(AnswerError(q.id, q.missing_message))
                continue
            try:
                clean[q.id] = parse(q, answers[q.id], today)
            except AnswerError as e:
                errors.append(e)
        if errors:
            raise Invalid(errors)
        return clean

    def to_dict(self):
        return {"version": self.version, "title": self.title,
                "questions": [q.to_dict() for q in self.questions]}


# --- Loading and checking a definition -------------------------------------

def load(path):
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise DefinitionError(f"{path.name}: not valid YAML: {e}") from None
    try:
        return from_dict(data)
    except DefinitionError as e:
        raise DefinitionError(f"{path.name}: {e}") from None


def load_directory(path=DEFAULT_DIRECTORY):
    found, files = {}, {}
    for file in sorted(Path(path).glob("*.yaml")):
        q = load(file)
        if q.version in found:
            raise DefinitionError(f"{file.name} and {files[q.version]} are both version "
                                  f"{q.version}: each version must be unique")
        found[q.version], files[q.version] = q, file.name
    return found


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value, where, required=True):
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise DefinitionError(f"{where} must be non-empty text")
    return value


def from_dict(data):
    if not isinstance(data, dict):
        raise DefinitionError("a questionnaire must be a mapping with version, title and questions")
    unknown = set(data) - {"version", "title", "questions"}
    if unknown:
        raise DefinitionError(f"unknown keys: {', '.join(sorted(unknown))}")
    version = data.get("version")
    if not _is_int(version) or version < 1:
        raise DefinitionError(f"version must be a positive whole number, not {version!r}")
    title = _text(data.get("title"), "title")
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise DefinitionError("questions must be a non-empty list")
    all_ids = {q.get("id") for q in raw_questions if isinstance(q, dict)}
    questions, by_id = [], {}
    for n, raw in enumerate(raw_questions, 1):
        q = _question(raw, n, by_id, all_ids)
        by_id[q.id] = q
        questions.append(q)
    return Questionnaire(version, title, tuple(questions))


def _question(raw, n, earlier, all_ids):
    if not isinstance(raw, dict):
        raise DefinitionError(f"question {n} must be a mapping")
    qid = raw.get("id")
    if not isinstance(qid, str) or not _ID.match(qid):
        raise DefinitionError(f"question {n}: id must be lower-case letters, digits and "
                              f"underscores, not {qid!r}")
    where = f"question '{qid}'"
    if qid in earlier:
        raise DefinitionError(f"{where}: the id is used twice; ids must be unique")
    unknown = set(raw) - _QUESTION_KEYS
    if unknown:
        raise DefinitionError(f"{where}: unknown keys: {', '.join(sorted(unknown))}")
    qtype = raw.get("type")
    if qtype not in TYPES:
        raise DefinitionError(f"{where}: unknown type {qtype!r}; use one of {', '.join(TYPES)}")
    fields = {"id": qid, "type": qtype,
              "summary": _text(raw.get("summary"), f"{where}: summary"),
              "text": _text(raw.get("text"), f"{where}: text"),
              "hint": _text(raw.get("hint"), f"{where}: hint", required=False)}

    options = raw.get("options") or []
    if qtype in ("choice", "multi_choice"):
        if not isinstance(options, list) or len(options) < 2:
            raise DefinitionError(f"{where}: a {qtype} question needs at least two options")
        fields["options"] = tuple(_option(o, where) for o in options)
        values = [o.value for o in fields["options"]]
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise DefinitionError(f"{where}: option values must be unique; repeated: "
                                  f"{', '.join(duplicates)}")
    elif options:
        raise DefinitionError(f"{where}: only choice and multi_choice questions have options")

    exclusive = raw.get("exclusive")
    if exclusive is not None:
        if qtype != "multi_choice":
            raise DefinitionError(f"{where}: only multi_choice questions have an exclusive option")
        if exclusive not in values:
            raise DefinitionError(f"{where}: exclusive {exclusive!r} must be one of the options")
        fields["exclusive"] = exclusive

    for key in ("min", "max"):
        value = raw.get(key)
        if value is None:
            continue
        if qtype not in ("number", "number_list"):
            raise DefinitionError(f"{where}: only number questions have {key}")
        if not _is_int(value):
            raise DefinitionError(f"{where}: {key} must be a whole number")
        fields[key] = value
    if fields.get("min") is not None and fields.get("max") is not None \
            and fields["min"] > fields["max"]:
        raise DefinitionError(f"{where}: min must not be more than max")

    max_length = raw.get("max_length")
    if max_length is not None:
        if qtype != "text":
            raise DefinitionError(f"{where}: only text questions have max_length")
        if not _is_int(max_length) or max_length < 1:
            raise DefinitionError(f"{where}: max_length must be a positive whole number")
        fields["max_length"] = max_length

    suffix = raw.get("suffix")
    if suffix is not None:
        if qtype not in ("number", "number_list"):
            raise DefinitionError(f"{where}: only number questions have a suffix")
        fields["suffix"] = _text(suffix, f"{where}: suffix")

    not_after_today = raw.get("not_after_today")
    if not_after_today is not None:
        if not isinstance(not_after_today, bool) or (not_after_today and qtype != "date"):
            raise DefinitionError(f"{where}: not_after_today is true or false, on date questions")
        fields["not_after_today"] = not_after_today

    when = raw.get("when") or []
    if not isinstance(when, list):
        raise DefinitionError(f"{where}: when must be a list of conditions")
    fields["when"] = tuple(_condition(c, where, earlier, all_ids) for c in when)
    return Question(**fields)


def _option(raw, where):
    if not isinstance(raw, dict) or set(raw) - _OPTION_KEYS:
        raise DefinitionError(f"{where}: each option is a mapping of value, label and hint")
    value = raw.get("value")
    if not isinstance(value, str) or not _ID.match(value):
        # An unquoted yes/no/on/off in YAML arrives as a boolean.
        raise DefinitionError(f"{where}: option value {value!r} must be lower-case letters, "
                              "digits and underscores (quote yes and no)")
    return Option(value, _text(raw.get("label"), f"{where}: option {value} label"),
                  _text(raw.get("hint"), f"{where}: option {value} hint", required=False))


def _possible(target):
    """The finite set of answers a question can have, or None."""
    if target.type in ("choice", "multi_choice"):
        return target.option_values
    if target.type == "yes_no":
        return YES_NO
    return None


def _condition(raw, where, earlier, all_ids):
    if not isinstance(raw, dict) or "question" not in raw:
        raise DefinitionError(f"{where}: each condition is a mapping with a question and "
                              "one operator")
    target_id = raw["question"]
    ops = [k for k in raw if k != "question"]
    if len(ops) != 1:
        raise DefinitionError(f"{where}: each condition needs exactly one operator "
                              f"({', '.join(OPERATORS)})")
    op = ops[0]
    if op not in OPERATORS:
        raise DefinitionError(f"{where}: unknown condition operator {op!r}; use one of "
                              f"{', '.join(OPERATORS)}")
    if target_id not in earlier:
        if target_id in all_ids:
            raise DefinitionError(f"{where}: a condition can only be on an earlier question, "
                                  f"and '{target_id}' is not earlier")
        raise DefinitionError(f"{where}: condition on '{target_id}', which is not a question")
    target = earlier[target_id]
    value = raw[op]
    possible = _possible(target)

    def check_value(v):
        if target.type == "number":
            if not _is_int(v):
                raise DefinitionError(f"{where}: '{target_id}' is a number, so compare it "
                                      f"with a whole number, not {v!r}")
        elif possible is None or v not in possible:
            raise DefinitionError(f"{where}: {v!r} is not a possible answer to "
                                  f"'{target_id}' (quote yes and no)")

    if op in ("equals", "in"):
        if target.type not in ("choice", "yes_no", "number"):
            raise DefinitionError(f"{where}: use {op} only on choice, yes_no or number "
                                  f"questions; '{target_id}' is {target.type}")
        if op == "in":
            if not isinstance(value, list) or not value:
                raise DefinitionError(f"{where}: 'in' needs a non-empty list")
            for v in value:
                check_value(v)
            value = tuple(value)
        else:
            check_value(value)
    elif op == "includes":
        if target.type != "multi_choice":
            raise DefinitionError(f"{where}: use includes only on multi_choice questions; "
                                  f"'{target_id}' is {target.type}")
        check_value(value)
    else:
        if target.type != "number":
            raise DefinitionError(f"{where}: use {op} only on number questions; "
                                  f"'{target_id}' is {target.type}")
        check_value(value)
    return Condition(target_id, op, value)


# --- Messages ---------------------------------------------------------------

_AUX = {"are", "is", "was", "were", "have", "has", "had", "will", "would", "can", "could",
        "should", "shall", "may", "might", "must", "do", "does", "did"}
_COPULA = {"is", "are", "was", "were"}
_SUBJECTS = {"you", "we"}
_DETERMINERS = {"the", "your", "our"}
_WH = {"where", "when", "how", "what", "which", "who", "why"}
_HOW = {"many", "much", "old", "long", "often", "far"}


def _clause(text):
    """The question turned into a clause to follow "Select" or "Enter", as
    GOV.UK error messages do: "Where will you sleep tonight?" gives ("wh",
    "where you will sleep tonight"). Only a few safe patterns; None otherwise,
    and the caller falls back to quoting the question."""
    words = text.strip().rstrip("?").split()
    if len(words) < 2 or any("?" in w for w in words):
        return None
    low = [w.lower() for w in words]

    if low[0] == "what" and low[1] in _COPULA and len(words) > 2 and low[2] in _DETERMINERS:
        return "noun", " ".join(words[2:])
    if low[0] in _WH:
        k = 2 if low[0] == "how" and low[1] in _HOW else 1
        wh, rest, low_rest = low[:k], words[k:], low[k:]
        if not rest:
            return None
        if low_rest[0] in _COPULA and len(rest) in (2, 3) and low_rest[1] in _DETERMINERS:
            return "wh", " ".join(wh + rest[1:] + [low_rest[0]])
        # "Which area do you live in" inverts after the noun; "How many adults
        # will live with you" does not invert at all.
        for i in range(len(rest) - 1):
            if rest[i].endswith(","):
                break  # a second clause: beyond these patterns
            if low_rest[i] in _AUX and low_rest[i + 1] in _SUBJECTS \
                    and not rest[i + 1].endswith(","):
                if low_rest[i] == "did":
                    return None  # "when did you move" needs the verb's past tense
                aux = [] if low_rest[i] in ("do", "does") else [low_rest[i]]
                return "wh", " ".join(wh + rest[:i] + [low_rest[i + 1]] + aux + rest[i + 2:])
        if low_rest[0] in _AUX:
            return None
        return "wh", " ".join(wh + rest)
    if low[0] == "did":
        return None
    if low[0] in _AUX and low[0] not in ("do", "does") and len(words) > 3 \
            and low[1] in _DETERMINERS and not words[2].endswith(","):
        return "yes_no", " ".join(words[1:3] + [low[0]] + words[3:])
    if low[0] in _AUX and low[1] in _SUBJECTS and len(words) > 2:
        aux = [] if low[0] in ("do", "does") else [low[0]]
        return "yes_no", " ".join([low[1]] + aux + words[2:])
    return None


def _missing_message(q):
    kind, clause = _clause(q.text) or (None, None)
    fallback = f"Answer the question: {q.text}"
    if q.type == "yes_no":
        return f"Select yes if {clause}" if kind == "yes_no" else fallback
    if q.type in ("choice", "multi_choice"):
        if kind is None:
            return fallback
        message = f"Select if {clause}" if kind == "yes_no" else f"Select {clause}"
        if q.exclusive:
            message += f", or select '{q.label(q.exclusive)}'"
        return message
    if kind not in ("noun", "wh"):
        return fallback
    if q.type == "number" and _noun(q):
        return f"Enter {_noun(q)}"
    if q.type == "date" and clause.startswith("when "):
        return f"Enter the date {clause[5:]}"
    return f"Enter {clause}"


def _noun(q):
    """What the answer is, to say "Enter your age as a number", or None."""
    kind, clause = _clause(q.text) or (None, None)
    if kind == "noun":
        return clause
    if clause == "how old you are":
        return "your age"
    return None


def _example_number(q):
    low = q.min if q.min is not None else 0
    high = q.max if q.max is not None else max(low, 34)
    return 34 if low <= 34 <= high else min(high, low + 2)


def _example_list(q):
    low = q.min if q.min is not None else 0
    high = q.max if q.max is not None else 99
    picks = [n for n in (3, 7, 15) if low <= n <= high] or [low]
    return ", ".join(str(n) for n in picks)


# --- Parsing answers --------------------------------------------------------

def _blank(raw):
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, (list, tuple)):
        return all(_blank(r) for r in raw)
    if isinstance(raw, dict):
        return all(_blank(raw.get(k)) for k in ("day", "month", "year"))
    return False


def parse(q, raw, today):
    """One raw answer (form or JSON input) to its stored value, or AnswerError."""
    if _blank(raw):
        raise AnswerError(q.id, q.missing_message)
    return _PARSERS[q.type](q, raw, today)


def _choice(q, raw, today):
    value = raw.strip() if isinstance(raw, str) else raw
    if value not in q.option_values:
        raise AnswerError(q.id, q.missing_message)
    return value


def _multi_choice(q, raw, today):
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple)):
        raise AnswerError(q.id, q.missing_message)
    chosen = set()
    for item in items:
        item = item.strip() if isinstance(item, str) else item
        if item in (None, ""):
            continue
        if item not in q.option_values:
            raise AnswerError(q.id, q.missing_message)
        chosen.add(item)
    if q.exclusive in chosen and len(chosen) > 1:
        raise AnswerError(q.id, f"Select '{q.label(q.exclusive)}' on its own, "
                                "or only the others")
    return [v for v in q.option_values if v in chosen]


def _yes_no(q, raw, today):
    if raw is True or raw is False:
        return "yes" if raw else "no"
    if isinstance(raw, str) and raw.strip().lower() in YES_NO:
        return raw.strip().lower()
    raise AnswerError(q.id, q.missing_message)


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DIGITS = re.compile(r"^[0-9]+$")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")


def _month(text):
    if _DIGITS.match(text):
        return int(text)
    low = text.lower()
    for n, name in enumerate(_MONTHS, 1):
        if len(low) >= 3 and name.startswith(low):
            return n
    return None


def _date(q, raw, today):
    if isinstance(raw, dt.datetime):
        day = raw.date()
    elif isinstance(raw, dt.date):
        day = raw
    elif isinstance(raw, str):
        text = raw.strip()
        try:
            if not _ISO_DATE.match(text):
                raise ValueError
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise AnswerError(q.id, "Date must be a real date") from None
    elif isinstance(raw, dict):
        day = _date_parts(q, raw)
    else:
        raise AnswerError(q.id, "Date must be a real date")

    if day.year < EARLIEST_YEAR:
        raise AnswerError(q.id, f"Date must be 1 January {EARLIEST_YEAR} or later")
    try:
        limit = today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        limit = today.replace(year=today.year + YEARS_AHEAD, day=28)
    if day > limit:
        raise AnswerError(q.id, f"Date must be within the next {YEARS_AHEAD} years")
    if q.not_after_today and day > today:
        raise AnswerError(q.id, "The date must be today or in the past")
    return day.isoformat()


def _date_parts(q, raw):
    parts = {}
    for key in ("day", "month", "year"):
        value = raw.get(key)
        if _is_int(value):
            value = str(value)
        parts[key] = value.strip() if isinstance(value, str) else ""
    absent = [k for k in ("day", "month", "year") if not parts[k]]
    if absent:
        listed = " and ".join(absent) if len(absent) < 3 else "day, month and year"
        raise AnswerError(q.id, f"Date must include a {listed}")
    if not _DIGITS.match(parts["year"]):
        raise AnswerError(q.id, "Date must be a real date")
    if len(parts["year"]) != 4:
        raise AnswerError(q.id, "Year must include 4 numbers")
    month = _month(parts["month"])
    if not _DIGITS.match(parts["day"]) or len(parts["day"]) > 2 or month is None:
        raise AnswerError(q.id, "Date must be a real date")
    try:
        return dt.date(int(parts["year"]), month, int(parts["day"]))
    except ValueError:
        raise AnswerError(q.id, "Date must be a real date") from None


# Long enough for any sensible answer, short enough that int() is never slow.
_INTEGER = re.compile(r"^[+-]?[0-9]{1,15}$")


def _to_int(raw):
    """A whole number from a form or JSON value, or None."""
    if _is_int(raw):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and _INTEGER.match(raw.strip()):
        return int(raw.strip())
    return None


def _in_range(q, value, each=""):
    if q.min is not None and value < q.min:
        raise AnswerError(q.id, f"{q.summary} must{each} be {q.min} or over")
    if q.max is not None and value > q.max:
        raise AnswerError(q.id, f"{q.summary} must{each} be {q.max} or under")


def _number(q, raw, today):
    value = _to_int(raw)
    if value is None:
        noun = _noun(q)
        example = _example_number(q)
        raise AnswerError(q.id, f"Enter {noun} as a number, like {example}" if noun
                          else f"{q.summary} must be a number, like {example}")
    _in_range(q, value)
    return value


def _number_list(q, raw, today):
    items = re.split(r"[\s,]+", raw.strip()) if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple)):
        items = [raw]
    items = [i for i in items if not (isinstance(i, str) and not i.strip())]
    values = [_to_int(i) for i in items]
    if any(v is None for v in values):
        raise AnswerError(q.id, f"{q.summary} must be numbers separated by commas, "
                                f"like {_example_list(q)}")
    if len(values) > MAX_LIST_ITEMS:
        raise AnswerError(q.id, f"{q.summary} must be {MAX_LIST_ITEMS} numbers or fewer")
    for value in values:
        _in_range(q, value, each=" each")
    return values


def _hidden_characters(text):
    # Newlines and tabs come from text areas and pasting; other control
    # characters and lone surrogates are never meant, and break storage.
    return any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\t" for c in text)


def _text_answer(q, raw, today):
    if not isinstance(raw, str):
        raise AnswerError(q.id, q.missing_message)
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _hidden_characters(text):
        raise AnswerError(q.id, f"{q.summary} must not include hidden characters")
    limit = q.max_length or DEFAULT_MAX_LENGTH
    if len(text) > limit:
        raise AnswerError(q.id, f"{q.summary} must be {limit} characters or less")
    return text


_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"


def _email(q, raw, today):
    if not isinstance(raw, str):
        raise AnswerError(q.id, EMAIL_FORMAT)
    text = raw.strip()
    if len(text) > MAX_EMAIL_LENGTH:
        raise AnswerError(q.id, f"{q.summary} must be {MAX_EMAIL_LENGTH} characters or less")
    if not _EMAIL.match(text) or len(text.split("@")[0]) > 64:
        raise AnswerError(q.id, EMAIL_FORMAT)
    return text


PHONE_FORMAT = "Enter a UK phone number, like 01632 960 001 or 07700 900 982"


def _phone(q, raw, today):
    if not isinstance(raw, str):
        raise AnswerError(q.id, PHONE_FORMAT)
    text = re.sub(r"^\+44\s*\(0\)", "+44", raw.strip())
    compact = re.sub(r"[\s\-().]", "", text)
    for prefix in ("+44", "0044"):
        if compact.startswith(prefix):
            compact = "0" + compact[len(prefix):].removeprefix("0")
    if not compact.isascii() or not compact.isdigit() or not compact.startswith("0") \
            or compact.startswith("00") or not 10 <= len(compact) <= 11:
        raise AnswerError(q.id, PHONE_FORMAT)
    return compact


_PARSERS = {
    "choice": _choice, "multi_choice": _multi_choice, "yes_no": _yes_no, "date": _date,
    "number": _number, "number_list": _number_list, "text": _text_answer, "email": _email,
    "phone": _phone,
}
