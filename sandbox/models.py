"""Models of the simulators (each simulator keeps its own in its package)."""

from sandbox.bakong.models import SimTransaction
from sandbox.camdigikey.models import AuthCode, ClientApp, DemoIdentity, IssuedToken, LoginToken
from sandbox.camdx.models import SimXRoadAccessRight, SimXRoadMember, SimXRoadService, SimXRoadSubsystem
from sandbox.gateway.models import SimCheckoutSession
from sandbox.sms.models import SimSmsMessage
from sandbox.telegram.models import SimTelegramBot, SimTelegramChat, SimTelegramMessage
from sandbox.verify.models import SimVerifyRecord, SimVerifyStatusChange

__all__ = [
    "AuthCode",
    "ClientApp",
    "DemoIdentity",
    "IssuedToken",
    "LoginToken",
    "SimCheckoutSession",
    "SimSmsMessage",
    "SimTelegramBot",
    "SimTelegramChat",
    "SimTelegramMessage",
    "SimTransaction",
    "SimVerifyRecord",
    "SimVerifyStatusChange",
    "SimXRoadAccessRight",
    "SimXRoadMember",
    "SimXRoadService",
    "SimXRoadSubsystem",
]
