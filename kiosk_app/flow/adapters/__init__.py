"""Adapters: the journey's ports implemented over the real drivers, the local database and the central client.

Each adapter translates its library's exceptions into `PortError` keys exactly once.
"""
