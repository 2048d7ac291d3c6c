"""SES domain: identity, MAIL FROM, configuration set and the custom tracking domain."""
