"""Faults caused to real processes: a worker killed, Redis stopped, the provider slow or odd."""
