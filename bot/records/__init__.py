"""What the assistant keeps about turns: PII masking, transcripts, unanswered questions."""
