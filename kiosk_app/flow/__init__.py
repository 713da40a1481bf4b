"""kiosk_app/flow."""
