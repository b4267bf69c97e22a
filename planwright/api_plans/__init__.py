"""API test plans from OpenAPI documents: read the spec, build cases per operation, execute them over HTTP."""
