"""Mechanisms shared by every service: configuration, data, auth, jobs, events, storage, HTTP."""
