"""The outbound webhook channel: push / in-app messages POSTed, signed, to the brand."""
