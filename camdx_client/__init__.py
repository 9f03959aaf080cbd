"""The outgoing CamDX (X-Road PR-REST r1) client: calls other members' services through our security
server (docs/camdx.md). `client.CamdxClient.call` is the one entry point; `errors` holds what it raises."""
