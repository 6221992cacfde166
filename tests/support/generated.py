"""The generated contract, made once per test process: each document builds every route of a
hub, and several tests read the same one (they only read it)."""

from functools import cache

from hub import contracts

asyncapi_yaml = cache(contracts.asyncapi_yaml)
partner_asyncapi_yaml = cache(contracts.partner_asyncapi_yaml)
json_schemas = cache(contracts.json_schemas)
