"""External systems, each behind a port (a Protocol) with a real client and an in-memory fake."""
