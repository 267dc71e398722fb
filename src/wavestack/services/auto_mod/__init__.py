"""Auto-moderation: banned words that survive obfuscation, spam heuristics, and (to come) the
toxicity model, image scoring, escalation and the audit trail."""
