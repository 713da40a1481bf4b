"""The customer's phone pages (issue 15): SMS sign-in, booking, personal data, declarations, the appointment."""
