"""The few things every service needs once: settings, db, outbox, inbox, consumers, telemetry, auth, audit."""
