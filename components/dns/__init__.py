"""DNS adapters: publish a provider-neutral record set to one provider each."""
