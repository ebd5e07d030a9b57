"""A student missing or in criminal detention (R15.2): the school reports it to the district; the
record is kept and cannot be cancelled."""
