"""Pure renderers for the Postfix + OpenDKIM relay: text in, text out, no I/O."""
