"""What kind of turn is this: commands, social turns, refusals, follow-ups, language — decided in one place."""
