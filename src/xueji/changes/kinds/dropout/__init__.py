"""Dropout (R13.2, R13.3): the school's written report to the township or street office and to the
district, within 5 working days of learning of it; the record is kept for the compulsory period."""
