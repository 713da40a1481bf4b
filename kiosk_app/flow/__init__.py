"""The customer journey, headless: one session state machine for every path (no Kivy here).

Each event handled returns a `Screen` description (step id, data, error keys, actions, timeout) that a UI
renders and a test asserts. Devices and the central service are reached through the ports in `ports.py`, so
the same machine runs under Kivy, under the scripted runner and under pytest.
"""
