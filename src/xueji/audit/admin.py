# The audit trail is read on the auditor's page (audit:events); admin must not be able to edit it.
