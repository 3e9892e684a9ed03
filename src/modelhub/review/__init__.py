"""Review: the lifecycle of a revision (submit, review, publish), its audit log and thread."""
