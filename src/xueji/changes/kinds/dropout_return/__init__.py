"""A dropped-out student back at school (R13.2): the record is reactivated."""
