"""The rules of homelessness triage and the caseworker queue: plain Python,
no nameko, HTTP or SQL. The service shell loads answers and cases, asks these
modules, and stores and announces what they decide.

questionnaire: the questions (data in services/housing/questionnaires) and
    what counts as a valid answer to each.
triage: answers to an explainable outcome under the Homelessness Reduction
    Act 2017.
clocks: the legal and service deadlines of a case as scheduled events.
cases: assigning and closing cases, and what an anonymised case keeps.
"""
