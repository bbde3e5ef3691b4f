"""The shared council kernel: rules every service and the gateway apply the
same way because they are facts of a UK council's world, not plumbing:
working days and bank holidays in England and Wales (workdays), dates and
times in words in London time (words), and contact channels with UK mobile
numbers in one form (contact). Pure: no nameko, HTTP or SQL."""
