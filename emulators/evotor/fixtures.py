"""pytest fixtures that start this emulator on loopback for a test."""
