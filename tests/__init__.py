"""The gateway test suite."""
