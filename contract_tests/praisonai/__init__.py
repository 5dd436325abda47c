"""PraisonAI async-runs conformance checks, per profile (impl or docs)."""
