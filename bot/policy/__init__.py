"""What to do for each kind of turn: answer a question, run a flow step, carry out a command, hand over."""
