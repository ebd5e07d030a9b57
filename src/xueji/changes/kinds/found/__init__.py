"""A missing or detained student back at school (R15.2): the record is reactivated."""
