"""One template: its placeholders, rendering without holes, conditional text,
values that try to format, and what a text message costs."""
import pytest

from services.notify.domain.templates import (
    MissingPlaceholders, Placeholder, Rendered, Template, TemplateError, non_gsm_characters,
    sms_fragments)

EMAIL = Template(
    "report-filed", 3, "email", "Missed collection reported: ((reference))",
    "We have your report that your ((bin_type)) was not collected on ((collection_date)).\n"
    "\n"
    "^ Your reference is ((reference))\n"
    "\n"
    "# What happens next\n"
    "\n"
    "A crew will come back by ((return_by)).\n"
    "\n"
    "((tracking_link))\n")
FULL = {"reference": "BIN-7K2Q-9XW3", "bin_type": "recycling",
        "collection_date": "Tuesday 3 March 2026", "return_by": "5pm on Thursday 5 March 2026",
        "tracking_link": "https://townhall.example.gov.uk/bins/reports/7K2Q"}


def sms(body, tid="t"):
    return Template(tid, 1, "sms", None, body)


def test_placeholders_are_unique_in_order_subject_first():
    assert EMAIL.placeholders == ("reference", "bin_type", "collection_date", "return_by",
                                  "tracking_link")
    assert EMAIL.conditional_placeholders == ()


def test_render_with_every_placeholder():
    assert EMAIL.render(FULL) == Rendered(
        "Missed collection reported: BIN-7K2Q-9XW3",
        "We have your report that your recycling was not collected on Tuesday 3 March 2026.\n"
        "\n"
        "^ Your reference is BIN-7K2Q-9XW3\n"
        "\n"
        "# What happens next\n"
        "\n"
        "A crew will come back by 5pm on Thursday 5 March 2026.\n"
        "\n"
        "https://townhall.example.gov.uk/bins/reports/7K2Q")


def test_a_text_message_has_no_subject():
    assert sms("Reference ((reference)).").render({"reference": "R1"}) == \
        Rendered(None, "Reference R1.")


def test_extra_values_are_ignored_and_values_are_strs():
    out = sms("You are number ((place)) of ((total)).").render(
        {"place": 3, "total": 12.5, "unused": "x", "also": None})
    assert out.body == "You are number 3 of 12.5."


@pytest.mark.parametrize("values, missing", [
    ({}, ("reference", "bin_type", "collection_date", "return_by", "tracking_link")),
    (None, ("reference", "bin_type", "collection_date", "return_by", "tracking_link")),
    ({**FULL, "reference": None}, ("reference",)),
    ({**FULL, "reference": ""}, ("reference",)),
    ({**FULL, "reference": "   \n "}, ("reference",)),
    ({**FULL, "bin_type": None, "tracking_link": ""}, ("bin_type", "tracking_link")),
    ({k: v for k, v in FULL.items() if k != "return_by"}, ("return_by",)),
])
def test_missing_values_are_all_named_before_anything_is_sent(values, missing):
    with pytest.raises(MissingPlaceholders) as caught:
        EMAIL.render(values)
    error = caught.value
    assert (error.template_id, error.version, error.names) == ("report-filed", 3, missing)
    assert str(error) == f"Cannot send report-filed version 3: no value for {', '.join(missing)}"
    assert EMAIL.missing(values or {}) == list(missing)


def test_zero_and_false_are_values():
    assert sms("((a)) and ((b))").render({"a": 0, "b": False}).body == "0 and False"


# --- Conditional placeholders --------------------------------------------------

COND = sms("Hello ((name)).((urgent?? Call us today.)) Reference ((reference)).")


@pytest.mark.parametrize("urgent, body", [
    ("yes", "Hello Sam. Call us today. Reference R1."),
    ("Yes", "Hello Sam. Call us today. Reference R1."),
    (True, "Hello Sam. Call us today. Reference R1."),
    ("true", "Hello Sam. Call us today. Reference R1."),
    (1, "Hello Sam. Call us today. Reference R1."),
    ("no", "Hello Sam. Reference R1."),
    (False, "Hello Sam. Reference R1."),
    ("", "Hello Sam. Reference R1."),
    (0, "Hello Sam. Reference R1."),
    ("maybe", "Hello Sam. Reference R1."),
])
def test_conditional_text_shows_only_for_yes(urgent, body):
    assert COND.render({"name": "Sam", "urgent": urgent, "reference": "R1"}).body == body


def test_a_conditional_placeholder_is_a_placeholder_and_must_be_given():
    assert COND.placeholders == ("name", "urgent", "reference")
    assert COND.conditional_placeholders == ("urgent",)
    with pytest.raises(MissingPlaceholders) as caught:
        COND.render({"name": "Sam", "reference": "R1"})
    assert caught.value.names == ("urgent",)
    with pytest.raises(MissingPlaceholders):
        COND.render({"name": "Sam", "reference": "R1", "urgent": None})


def test_a_name_used_plainly_and_conditionally_needs_text():
    t = sms("((reason??We could not collect it.)) Reason: ((reason))")
    assert t.conditional_placeholders == ()
    with pytest.raises(MissingPlaceholders):
        t.render({"reason": ""})
    assert t.render({"reason": "yes"}).body == "We could not collect it. Reason: yes"


def test_hidden_conditional_lines_leave_no_empty_paragraphs():
    t = Template("t", 1, "email", "Update((late?? - late))",
                 "First.\n\n((late??# Sorry we are late))\n\nLast.")
    assert t.render({"late": "no"}) == Rendered("Update", "First.\n\nLast.")
    assert t.render({"late": "yes"}) == Rendered("Update - late",
                                                 "First.\n\n# Sorry we are late\n\nLast.")


# --- Values cannot format the message --------------------------------------------

@pytest.mark.parametrize("value, shown", [
    ("a car\n# Pay a fine at https://bad.example", "a car # Pay a fine at https://bad.example"),
    ("blocked\r\n\r\n* one\n- two\n^ three\n---", "blocked * one - two ^ three ---"),
    ("line\u2028break\u2029and\x0bmore", "line break and more"),
    ("  spaced   out  ", "spaced out"),
])
def test_a_value_with_newlines_cannot_start_a_heading_or_list(value, shown):
    out = EMAIL.render({**FULL, "bin_type": value})
    assert f"your {shown} was not collected" in out.body
    lines = out.body.splitlines()
    assert [line for line in lines if line.startswith("#")] == ["# What happens next"]
    assert not any(line.startswith(("*", "-", "^ three")) for line in lines)


def test_a_value_in_the_subject_stays_on_one_line():
    out = EMAIL.render({**FULL, "reference": "R1\nBcc: someone@example.com"})
    assert out.subject == "Missed collection reported: R1 Bcc: someone@example.com"


def test_a_value_that_looks_like_a_placeholder_is_not_filled_in():
    out = sms("((a)) ((b))").render({"a": "((b))", "b": "x"})
    assert out.body == "((b)) x"


# --- Checking a template ---------------------------------------------------------

@pytest.mark.parametrize("body, found", [
    ("((first name)) ((Ref_2))", [Placeholder("first name"), Placeholder("Ref_2")]),
    ("((a??Show (not) this))", None),  # brackets in conditional text: an unclosed ((
    ("((a??Show this??and this))", [Placeholder("a", "Show this??and this")]),
    ("(((a)))", [Placeholder("a")]),  # Notify's reading: brackets round a placeholder
])
def test_placeholder_syntax(body, found):
    if found is None:
        with pytest.raises(TemplateError):
            sms(body)
    else:
        assert list(sms(body)._found) == found


@pytest.mark.parametrize("body, message", [
    ("Hello ((name", "a (( is not closed by ))"),
    ("Hello ((name) there", "a (( is not closed by ))"),
    ("((a ((b)) c))", "a (( is not closed by ))"),
    ("Hello (())", "(()) is not a placeholder name"),
    ("Hello ((first-name))", "((first-name)) is not a placeholder name"),
    ("Hello (( name))", "(( name)) is not a placeholder name"),
    ("Hello ((first  name))", "((first  name)) is not a placeholder name"),
    ("Hello ((name.x))", "((name.x)) is not a placeholder name"),
    ("Hello ((??text))", "((??text)) is not a placeholder name"),
    ("Hello ((name??))", "((name??)) has no text to show"),
    ("Hello ((name?? ))", "((name?? )) has no text to show"),
    ("((First_Name)) ((first name))", "((First_Name)) and ((first name)) are one placeholder"),
    ("", "the body must be some text"),
    ("  \n", "the body must be some text"),
])
def test_bad_template_text(body, message):
    with pytest.raises(TemplateError) as caught:
        sms(body, tid="case-triaged")
    assert str(caught.value).startswith("case-triaged version 1 sms")
    assert message in str(caught.value)


@pytest.mark.parametrize("channel, subject, message", [
    ("email", None, "an email needs a subject"),
    ("email", " ", "an email needs a subject"),
    ("email", "Two\nlines", "the subject must be one line"),
    ("email", "((unclosed", "email subject: a (( is not closed"),
    ("sms", "Subject", "a text message has no subject"),
    ("letter", None, "the channel must be email or sms"),
])
def test_subjects_and_channels(channel, subject, message):
    with pytest.raises(TemplateError) as caught:
        Template("t", 1, channel, subject, "Body")
    assert message in str(caught.value)


def test_templates_are_frozen():
    with pytest.raises(AttributeError):
        EMAIL.body = "changed"


# --- Text message length -----------------------------------------------------------

@pytest.mark.parametrize("length, fragments", [
    (0, 0), (1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4), (918, 6),
])
def test_gsm_fragments(length, fragments):
    assert sms_fragments("a" * length) == fragments


@pytest.mark.parametrize("length, fragments", [
    (1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4),
])
def test_one_character_outside_gsm_makes_it_70_and_67(length, fragments):
    body = "ŵ" + "a" * (length - 1)  # Welsh w-circumflex: not in GSM
    assert non_gsm_characters(body) == {"ŵ"}
    assert sms_fragments(body) == fragments


@pytest.mark.parametrize("body, fragments", [
    ("€" * 80, 1),            # extension characters take two: 160
    ("€" * 80 + "a", 2),      # 161
    ("[" * 153, 2),           # 306
    ("[" * 153 + "a", 3),     # 307
    ("£@ÄÖÑÜäöñüàèéùìòÇØøÅåÆæßÉ¡¿§¥¤ΔΦΓΛΩΠΨΣΘΞ_\n\r" * 3, 1),  # all basic GSM
    ("\u2019" + "a" * 69, 1),  # a curly apostrophe is not GSM: 70
    ("\u2019" + "a" * 70, 2),
    ("\U0001F600" + "a" * 68, 1),  # an emoji is two UTF-16 units: 70
    ("\U0001F600" + "a" * 69, 2),
])
def test_extension_characters_and_unicode(body, fragments):
    assert sms_fragments(body) == fragments


def test_the_gsm_tables():
    assert non_gsm_characters("Hello, world! 01632 960 001 {£5} [ok] ~€|^\\") == set()
    assert non_gsm_characters("Caerdydd – “quotes” … ŷ") == {"–", "“", "”", "…", "ŷ"}
