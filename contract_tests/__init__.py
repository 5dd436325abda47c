"""Conformance suite for the Kinetica procs/jobs and PraisonAI async-runs APIs (a pytest plugin).

PYTEST_DONT_REWRITE: this file has no assertions to rewrite, and the `contract-tests` script has
imported it before pytest starts; the marker keeps pytest from warning that it cannot rewrite it.
The suite's modules below are imported by pytest and rewritten as usual.
"""
