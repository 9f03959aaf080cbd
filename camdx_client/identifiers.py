"""The X-Road identifiers this client sends: `ClientId` (X-Road-Client) and `ServiceId` (the /r1/ path).

Defined in `esb.xroad` (the settings' start-up checks parse the configured ids with the same code)."""

from esb.xroad import INSTANCE, ClientId, InvalidIdentifier, ServiceId, encode_segment

__all__ = ["INSTANCE", "ClientId", "InvalidIdentifier", "ServiceId", "encode_segment"]
