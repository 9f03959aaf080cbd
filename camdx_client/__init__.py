"""The outgoing CamDX (X-Road PR-REST r1) client: calls other members' services through our security
server."""
