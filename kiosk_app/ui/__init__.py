"""kiosk_app/ui."""
