"""The central appointment service: the kiosk API of `central_api_client/openapi.yaml` on ASGI (Starlette on
uvicorn), a store on SQLAlchemy Core (SQLite embedded, PostgreSQL for fleets) and a core-banking port with a
simulated core. It imports `central_api_client` (contract, tokens) and nothing of the kiosk."""
