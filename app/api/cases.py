"""/api/v1/cases, /api/v1/queue: cases, search, call logging, the claim."""
