"""Conformance suite for the Kinetica procs/jobs and PraisonAI async-runs APIs (a pytest plugin)."""
