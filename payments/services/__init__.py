"""Every write to a payment: `attempts` (which providers a service offers, a new attempt, its preparation
after the commit) and `status` (`apply_payment_status`, the one way a payment changes status).

Import from here (`from payments import services`): the modules are an inner arrangement.
"""

from payments.services.attempts import (
    PREPARE_TOPIC,
    Offer,
    PaymentUnavailable,
    awaits_payment,
    live_attempt,
    offered,
    prepare,
    start_payment,
)
from payments.services.officers import (
    REFUND_PERMISSION,
    WAIVE_PERMISSION,
    OfficerActionRefused,
    record_refund,
    waive_fee,
)
from payments.services.status import (
    EvidenceMismatch,
    NotWaivable,
    Outcome,
    PaymentStatusError,
    apply_payment_status,
)

__all__ = [
    "PREPARE_TOPIC",
    "REFUND_PERMISSION",
    "WAIVE_PERMISSION",
    "EvidenceMismatch",
    "NotWaivable",
    "Offer",
    "OfficerActionRefused",
    "Outcome",
    "PaymentStatusError",
    "PaymentUnavailable",
    "apply_payment_status",
    "awaits_payment",
    "live_attempt",
    "offered",
    "prepare",
    "record_refund",
    "start_payment",
    "waive_fee",
]
