"""RQ job entry points: they take row ids, open a session, and call the domain code."""
