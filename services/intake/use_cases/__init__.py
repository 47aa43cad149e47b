"""Every state change of intake (and its audited reads), as functions of a command or event and the dependencies."""
