"""Fake providers for tests and benchmarks: real servers on loopback, never mocks."""
