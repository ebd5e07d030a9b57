"""The kinds of status change: each one package (its declaration, services, facts, pages, API and
demo cases), listed in ``registry``. ``base`` and ``facts`` are what a kind declares itself with."""
