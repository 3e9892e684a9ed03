"""The one way the hub fetches a URL: public addresses only (checked on the resolved addresses,
after every redirect and at connect time), timeouts, a byte limit, conditional requests, the
answer streamed into a file. Used by submit-by-URL and partner collections; webhooks share its
address rules and pinned connections."""
