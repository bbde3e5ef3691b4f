"""Townhall's HTTP gateway: auth, validation and HTTP <-> RPC, nothing more.

Run it with `nameko run --config gateway/config.yaml gateway.service`.
"""
