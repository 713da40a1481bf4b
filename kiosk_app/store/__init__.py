"""The kiosk's data, in one home: the only code that runs SQL on the kiosk's own tables.

Sessions and their steps, used QR tokens (`sessions`), issued cards, their journal steps and the card counts
(`cards`), the appointments the sync agent pulled (`appointments`), the lobby manager's state and daily
counts (`reports`); the branch's local day (`branch_day`) is the one definition of "today" for every daily
count. The flow and the console call these; the schema, migrations, journal and outbox stay in `sync_agent`.
A test greps `kiosk_app` for SQL outside this package.
"""
