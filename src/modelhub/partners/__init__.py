"""Community partners: applications and their decision, approved partners, their maintainers
and the tokens of their automation."""
