"""Device drivers: one package per device class, each framing -> driver -> typed results.

House rule: nothing in `drivers` imports anything else of the project, so a driver can be lifted out and
tested against its emulator (`drivers.sim`) or a real device with nothing but a port name.
"""
