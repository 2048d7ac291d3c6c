"""Tests of the Postfix relay: renderers, a real Postfix + OpenDKIM, the Pulumi component."""
