"""Payment providers, one package per vendor (like Open Forms' `payments/contrib`): each registers its
plugin in `payments.providers.payment_providers` when its `plugin` module is imported
(PaymentsConfig.ready)."""
