"""The Kivy touchscreen: renders `Screen` descriptions and turns touches into events; no business logic here."""
