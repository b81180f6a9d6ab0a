"""End-to-end tier: the real ``python -m bot`` process against the tgemu Bot API emulator."""
