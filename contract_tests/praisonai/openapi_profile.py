"""The PraisonAI OpenAPI document as each profile reads it: the mock's own (it serves the document of
the profile it runs, at `/openapi.json`)."""

from mockserver.praisonai.openapi_profile import docs_document, document, impl_document

__all__ = ["docs_document", "document", "impl_document"]
