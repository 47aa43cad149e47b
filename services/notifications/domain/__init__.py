"""Pure decisions of the notifications service: who gets what, when, on which channel."""
