"""CamDigiKey v3 client (national SSO / eKYC). Public API: `client.get_client()`, `client.CamDigiKeyClient`,
the result types in `client` and the typed errors in `errors`. Protocol and configuration: docs/camdigikey.md.
"""
