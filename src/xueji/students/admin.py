# Student records are kept through the registrar's pages and the API, never in Django admin:
# every change must pass the registration rules and land in history (R2.3).
