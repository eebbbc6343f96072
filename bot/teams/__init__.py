"""The Microsoft Teams edge: the Teams SDK app, its plumbing (token, retries, loop thread, WSGI)."""
