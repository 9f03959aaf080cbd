"""The member-gateway provider: cards (Visa, MasterCard, UnionPay) and bank transfer on the gateway's hosted
checkout page, confirmed by signed webhooks (docs/payments.md)."""
