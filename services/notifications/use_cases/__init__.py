"""Every state change of the notifications service: incoming events applied (`events`), and what happens to a
planned message until it is sent, failed or sent again (`deliveries`)."""
